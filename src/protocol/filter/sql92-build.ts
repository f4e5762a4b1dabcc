/**
 * Construction of a SQL92 selector's tree with the checks Java's expression factories make
 * (ComparisonExpression.createEqual / createGreaterThan / createBetween, ConstantExpression
 * .createFromDecimal / createFloat, SelectorParser.asBooleanExpression): each refusal is a
 * Sql92SyntaxError at the position of the operator or literal concerned.
 */
import type { Sql92Value } from './java-values.js';
import { javaCompare, jdouble, jint, jlong, isJavaNumber, Sql92EvalError } from './java-values.js';
import type { ComparisonOperator, Sql92Node } from './sql92-ast.js';
import { isBooleanNode, nodeText } from './sql92-ast.js';
import { Sql92SyntaxError } from './sql92-errors.js';

export const MAX_SQL92_DEPTH = 128;

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_MAX = (1n << 63n) - 1n;

export class Sql92Builder {
  constructor(protected readonly source: string) {}

  protected fail(pos: number, reason: string): never {
    throw new Sql92SyntaxError(this.source, pos, reason);
  }

  /** A node `depth` levels deep, refused past MAX_SQL92_DEPTH. */
  protected node<N extends Sql92Node>(n: N, pos: number): N {
    if (n.d > MAX_SQL92_DEPTH) this.fail(pos, `expression nested more than ${MAX_SQL92_DEPTH} levels deep`);
    return n;
  }

  /** Java asBooleanExpression. */
  protected asBoolean(n: Sql92Node, pos: number): Sql92Node {
    if (isBooleanNode(n)) return n;
    if (n.k === 'prop') return { k: 'cast', e: n, d: n.d + 1 };
    return this.fail(pos, `expression will not result in a boolean value: ${nodeText(n)}`);
  }

  /** ConstantExpression.createFromDecimal: Integer when it fits, else Long; beyond a Long is an error. */
  protected decimal(digits: string, pos: number): Sql92Value {
    const n = BigInt(digits);
    if (n > LONG_MAX) this.fail(pos, `number ${digits} is larger than a long (${LONG_MAX})`);
    return n >= BigInt(INT_MIN) && n <= BigInt(INT_MAX) ? jint(Number(n)) : jlong(n);
  }

  /** ConstantExpression.createFloat: a literal that rounds to infinity or to 0 is refused, as in Java. */
  protected float(text: string, pos: number): Sql92Value {
    const v = Number(text);
    if (v === Infinity) this.fail(pos, `${text} is greater than 1.7976931348623157E308`);
    if (v < Number.MIN_VALUE)
      this.fail(pos, `${text} is less than 4.9E-324 (Java refuses a float literal of 0)`);
    return jdouble(v);
  }

  protected not(e: Sql92Node, pos: number): Sql92Node {
    return this.node({ k: 'not', e, d: e.d + 1 }, pos);
  }

  protected eqNode(l: Sql92Node, r: Sql92Node, pos: number): Sql92Node {
    return this.node({ k: 'eq', l, r, d: 1 + Math.max(l.d, r.d) }, pos);
  }

  /** ComparisonExpression.createEqual: no NULL literal, no boolean literal = non-boolean literal. */
  protected createEqual(l: Sql92Node, r: Sql92Node, pos: number): Sql92Node {
    for (const side of [l, r]) {
      if (side.k === 'const' && side.value === null) {
        this.fail(pos, "'NULL' cannot be compared: use IS NULL / IS NOT NULL");
      }
    }
    if (l.k === 'const' && r.k === 'const' && l.bool && !r.bool) {
      this.fail(pos, `'${nodeText(l)}' cannot be compared with '${nodeText(r)}'`);
    }
    return this.eqNode(l, r, pos);
  }

  /** checkLessThanOperand: only numbers (or values of unknown type) on either side of > >= < <=. */
  protected compare(op: ComparisonOperator, l: Sql92Node, r: Sql92Node, pos: number): Sql92Node {
    for (const side of [l, r]) {
      const constantNonNumber = side.k === 'const' && !isJavaNumber(side.value);
      if (constantNonNumber || (side.k !== 'const' && isBooleanNode(side))) {
        this.fail(pos, `value '${nodeText(side)}' cannot be compared with ${op}: only numbers can`);
      }
    }
    return this.node({ k: 'cmp', op, l, r, d: 1 + Math.max(l.d, r.d) }, pos);
  }

  /** ComparisonExpression.createBetween: constant bounds must be non-null and low <= high. */
  protected between(v: Sql92Node, low: Sql92Node, high: Sql92Node, pos: number): Sql92Node {
    if (low.k === 'const' && high.k === 'const') {
      if (low.value === null || high.value === null) {
        this.fail(pos, 'illegal values of BETWEEN: they can not be null');
      }
      let order: number;
      try {
        order = javaCompare(high.value, low.value);
      } catch (err) {
        if (!(err instanceof Sql92EvalError)) throw err;
        this.fail(pos, `illegal values of BETWEEN: ${err.message}`);
      }
      if (order < 0) {
        this.fail(
          pos,
          `illegal values of BETWEEN: the low value ${nodeText(low)} must not be above the high value ${nodeText(high)}`,
        );
      }
    }
    const items = [this.compare('>=', v, low, pos), this.compare('<=', v, high, pos)];
    return this.node({ k: 'and', items, d: 1 + Math.max(items[0]!.d, items[1]!.d) }, pos);
  }

  protected notBetween(v: Sql92Node, low: Sql92Node, high: Sql92Node, pos: number): Sql92Node {
    const items = [this.compare('<', v, low, pos), this.compare('>', v, high, pos)];
    return this.node({ k: 'or', items, d: 1 + Math.max(items[0]!.d, items[1]!.d) }, pos);
  }
}
