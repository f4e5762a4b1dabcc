/**
 * Recursive-descent parser of SQL92 message selectors accepting what Java's SelectorParser (JavaCC,
 * rocketmq-all-5.3.3 filter/) accepts, with the same precedence and the same construction checks:
 *
 *   selector   := or                         (must be boolean; a bare property is a boolean cast)
 *   or         := and (OR and)*
 *   and        := equality (AND equality)*
 *   equality   := comparison ( '=' comparison | '<>' comparison | IS NULL | IS NOT NULL )*
 *   comparison := unary ( ('>'|'>='|'<'|'<=') unary | [NOT] (CONTAINS|STARTSWITH|ENDSWITH) string
 *                 | [NOT] BETWEEN unary AND unary | [NOT] IN '(' string (',' string)* ')' )*
 *   unary      := '+' unary | '-' unary | NOT unary | primary
 *   primary    := literal | identifier | '(' or ')'
 *
 * Java stops after a complete expression and ignores what follows (`a = 1 b` selects by `a = 1`);
 * `trailing: 'ignore'` keeps that (the broker, to accept what a Java broker accepts), the default
 * `'refuse'` reports it (clients: a missing AND is then an error, not a silent half filter).
 * Bounded: at most MAX_SQL92_LENGTH characters and MAX_SQL92_DEPTH levels of nesting, so a hostile
 * expression can neither overflow the stack nor take long (parsing is linear in the length).
 */
import type { Sql92Value } from './java-values.js';
import { javaCompare, jdouble, jint, jlong, isJavaNumber, Sql92EvalError } from './java-values.js';
import type { ComparisonOperator, Sql92Node, TextOperator } from './sql92-ast.js';
import { isBooleanNode, nodeText } from './sql92-ast.js';
import { Sql92SyntaxError } from './sql92-errors.js';
import { Sql92Lexer } from './sql92-lexer.js';
import type { Keyword, Operator, Token } from './sql92-lexer.js';

export const MAX_SQL92_LENGTH = 128 * 1024;
export const MAX_SQL92_DEPTH = 128;

export interface Sql92ParseOptions {
  /** What to do with input after a complete expression: Java ignores it. Default 'refuse'. */
  trailing?: 'refuse' | 'ignore';
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_MAX = (1n << 63n) - 1n;
const TEXT_OPERATORS: readonly string[] = ['CONTAINS', 'STARTSWITH', 'ENDSWITH'];
const NOT_FOLLOWERS: readonly string[] = [...TEXT_OPERATORS, 'BETWEEN', 'IN'];

function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the expression';
  const text = t.text.length > 24 ? t.text.slice(0, 24) + '…' : t.text;
  return t.kind === 'string' ? `string ${text}` : `'${text}'`;
}

class Parser {
  private readonly lexer: Sql92Lexer;
  private nesting = 0;

  constructor(private readonly source: string) {
    this.lexer = new Sql92Lexer(source);
  }

  fail(pos: number, reason: string): never {
    throw new Sql92SyntaxError(this.source, pos, reason);
  }

  private isKeyword(t: Token, ...words: Keyword[]): boolean {
    return t.kind === 'keyword' && (words as string[]).includes(t.value);
  }

  private isOp(t: Token, ...ops: Operator[]): boolean {
    return t.kind === 'op' && (ops as string[]).includes(t.value);
  }

  private expect(what: string, ok: (t: Token) => boolean): Token {
    const t = this.lexer.next();
    if (!ok(t)) this.fail(t.pos, `expected ${what} but found ${describe(t)}`);
    return t;
  }

  /** A node `depth` levels deep, refused past MAX_SQL92_DEPTH. */
  private node<N extends Sql92Node>(n: N, pos: number): N {
    if (n.d > MAX_SQL92_DEPTH) this.fail(pos, `expression nested more than ${MAX_SQL92_DEPTH} levels deep`);
    return n;
  }

  private enter(pos: number): void {
    if (++this.nesting > MAX_SQL92_DEPTH) {
      this.fail(pos, `expression nested more than ${MAX_SQL92_DEPTH} levels deep`);
    }
  }

  parse(trailing: 'refuse' | 'ignore'): Sql92Node {
    const first = this.lexer.peek();
    if (first.kind === 'eof') this.fail(0, 'the expression is empty');
    const root = this.asBoolean(this.orExpression(), first.pos);
    const rest = this.lexer.peek();
    if (trailing === 'refuse' && rest.kind !== 'eof') {
      this.fail(rest.pos, `unexpected ${describe(rest)} after a complete expression (missing AND / OR?)`);
    }
    return root;
  }

  /** Java asBooleanExpression. */
  private asBoolean(n: Sql92Node, pos: number): Sql92Node {
    if (isBooleanNode(n)) return n;
    if (n.k === 'prop') return { k: 'cast', e: n, d: n.d + 1 };
    return this.fail(pos, `expression will not result in a boolean value: ${nodeText(n)}`);
  }

  private logic(k: 'and' | 'or', next: () => Sql92Node, word: Keyword): Sql92Node {
    const pos = this.lexer.peek().pos;
    const first = next.call(this);
    if (!this.isKeyword(this.lexer.peek(), word)) return first;
    const items = [this.asBoolean(first, pos)];
    while (this.isKeyword(this.lexer.peek(), word)) {
      this.lexer.next();
      const at = this.lexer.peek().pos;
      items.push(this.asBoolean(next.call(this), at));
    }
    return this.node({ k, items, d: 1 + Math.max(...items.map((i) => i.d)) }, pos);
  }

  private orExpression(): Sql92Node {
    return this.logic('or', this.andExpression, 'OR');
  }

  private andExpression(): Sql92Node {
    return this.logic('and', this.equalityExpression, 'AND');
  }

  private equalityExpression(): Sql92Node {
    let left = this.comparisonExpression();
    for (;;) {
      const t = this.lexer.peek();
      if (this.isOp(t, '=', '<>')) {
        this.lexer.next();
        const right = this.comparisonExpression();
        const eq = this.createEqual(left, right, t.pos);
        left = t.text === '=' ? eq : this.not(eq, t.pos);
      } else if (this.isKeyword(t, 'IS')) {
        this.lexer.next();
        const not = this.isKeyword(this.lexer.peek(), 'NOT');
        if (not) this.lexer.next();
        this.expect('NULL', (n) => this.isKeyword(n, 'NULL'));
        const eq = this.eqNode(left, { k: 'const', value: null, bool: true, d: 1 }, t.pos);
        left = not ? this.not(eq, t.pos) : eq;
      } else {
        return left;
      }
    }
  }

  private comparisonExpression(): Sql92Node {
    let left = this.unaryExpr();
    for (;;) {
      const t = this.lexer.peek();
      if (this.isOp(t, '>', '>=', '<', '<=')) {
        this.lexer.next();
        left = this.compare(t.text as ComparisonOperator, left, this.unaryExpr(), t.pos);
        continue;
      }
      let not = false;
      if (this.isKeyword(t, 'NOT')) {
        const after = this.lexer.peek(1);
        if (after.kind !== 'keyword' || !NOT_FOLLOWERS.includes(after.value)) {
          this.fail(
            after.pos,
            `expected CONTAINS, STARTSWITH, ENDSWITH, BETWEEN or IN after NOT but found ${describe(after)}`,
          );
        }
        this.lexer.next();
        not = true;
      }
      const op = this.lexer.peek();
      if (op.kind !== 'keyword' || !NOT_FOLLOWERS.includes(op.value)) return left;
      this.lexer.next();
      if (op.value === 'BETWEEN') {
        const low = this.unaryExpr();
        this.expect('AND', (a) => this.isKeyword(a, 'AND'));
        const high = this.unaryExpr();
        left = not ? this.notBetween(left, low, high, op.pos) : this.between(left, low, high, op.pos);
      } else if (op.value === 'IN') {
        left = this.inList(left, not, op.pos);
      } else {
        const search = this.stringLiteral();
        const n = { k: 'text', op: op.value as TextOperator, not, e: left, search, d: left.d + 1 } as const;
        left = this.node(n, op.pos);
      }
    }
  }

  private stringLiteral(): string {
    const t = this.expect('a string in single quotes', (s) => s.kind === 'string');
    return t.kind === 'string' ? t.value : '';
  }

  private inList(left: Sql92Node, not: boolean, pos: number): Sql92Node {
    if (left.k !== 'prop') this.fail(pos, `expected a property for IN expression, got: ${nodeText(left)}`);
    this.expect("'('", (t) => this.isOp(t, '('));
    const values = new Set([this.stringLiteral()]);
    while (this.isOp(this.lexer.peek(), ',')) {
      this.lexer.next();
      values.add(this.stringLiteral());
    }
    this.expect("',' or ')'", (t) => this.isOp(t, ')'));
    return { k: 'in', name: left.name, values, not, d: 2 };
  }

  private unaryExpr(): Sql92Node {
    const t = this.lexer.peek();
    if (this.isOp(t, '+', '-') || this.isKeyword(t, 'NOT')) {
      this.lexer.next();
      this.enter(t.pos);
      const operand = this.unaryExpr();
      this.nesting--;
      if (t.text === '+') return operand;
      if (t.text === '-') return this.node({ k: 'neg', e: operand, d: operand.d + 1 }, t.pos);
      return this.not(this.asBoolean(operand, t.pos), t.pos);
    }
    return this.primaryExpr();
  }

  private primaryExpr(): Sql92Node {
    const t = this.lexer.next();
    switch (t.kind) {
      case 'string':
        return { k: 'const', value: t.value, bool: false, d: 1 };
      case 'decimal':
        return { k: 'const', value: this.decimal(t.value, t.pos), bool: false, d: 1 };
      case 'float':
        return { k: 'const', value: this.float(t.text, t.pos), bool: false, d: 1 };
      case 'id':
        return { k: 'prop', name: t.value, d: 1 };
      case 'keyword':
        if (t.value === 'TRUE' || t.value === 'FALSE' || t.value === 'NULL') {
          const value = t.value === 'NULL' ? null : t.value === 'TRUE';
          return { k: 'const', value, bool: true, d: 1 };
        }
        break;
      case 'op':
        if (t.value === '(') {
          this.enter(t.pos);
          const inner = this.orExpression();
          this.nesting--;
          this.expect("')'", (c) => this.isOp(c, ')'));
          return inner;
        }
        break;
      default:
        break;
    }
    return this.fail(t.pos, `expected a property, a literal or '(' but found ${describe(t)}`);
  }

  /** ConstantExpression.createFromDecimal: Integer when it fits, else Long; beyond a Long is an error. */
  private decimal(digits: string, pos: number): Sql92Value {
    const n = BigInt(digits);
    if (n > LONG_MAX) this.fail(pos, `number ${digits} is larger than a long (${LONG_MAX})`);
    return n >= BigInt(INT_MIN) && n <= BigInt(INT_MAX) ? jint(Number(n)) : jlong(n);
  }

  /** ConstantExpression.createFloat: a literal that rounds to infinity or to 0 is refused, as in Java. */
  private float(text: string, pos: number): Sql92Value {
    const v = Number(text);
    if (v === Infinity) this.fail(pos, `${text} is greater than 1.7976931348623157E308`);
    if (v < Number.MIN_VALUE)
      this.fail(pos, `${text} is less than 4.9E-324 (Java refuses a float literal of 0)`);
    return jdouble(v);
  }

  private not(e: Sql92Node, pos: number): Sql92Node {
    return this.node({ k: 'not', e, d: e.d + 1 }, pos);
  }

  private eqNode(l: Sql92Node, r: Sql92Node, pos: number): Sql92Node {
    return this.node({ k: 'eq', l, r, d: 1 + Math.max(l.d, r.d) }, pos);
  }

  /** ComparisonExpression.createEqual: no NULL literal, no boolean literal = non-boolean literal. */
  private createEqual(l: Sql92Node, r: Sql92Node, pos: number): Sql92Node {
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
  private compare(op: ComparisonOperator, l: Sql92Node, r: Sql92Node, pos: number): Sql92Node {
    for (const side of [l, r]) {
      const constantNonNumber = side.k === 'const' && !isJavaNumber(side.value);
      if (constantNonNumber || (side.k !== 'const' && isBooleanNode(side))) {
        this.fail(pos, `value '${nodeText(side)}' cannot be compared with ${op}: only numbers can`);
      }
    }
    return this.node({ k: 'cmp', op, l, r, d: 1 + Math.max(l.d, r.d) }, pos);
  }

  /** ComparisonExpression.createBetween: constant bounds must be non-null and low <= high. */
  private between(v: Sql92Node, low: Sql92Node, high: Sql92Node, pos: number): Sql92Node {
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

  private notBetween(v: Sql92Node, low: Sql92Node, high: Sql92Node, pos: number): Sql92Node {
    const items = [this.compare('<', v, low, pos), this.compare('>', v, high, pos)];
    return this.node({ k: 'or', items, d: 1 + Math.max(items[0]!.d, items[1]!.d) }, pos);
  }
}

/** Parses a selector; throws Sql92SyntaxError (code SUBSCRIPTION_PARSE_FAILED) when Java would refuse it. */
export function parseSql92(expression: string, options: Sql92ParseOptions = {}): Sql92Node {
  if (typeof expression !== 'string') {
    throw new Sql92SyntaxError(String(expression), 0, 'the expression must be a string');
  }
  if (expression.length > MAX_SQL92_LENGTH) {
    throw new Sql92SyntaxError(
      expression.slice(0, 40),
      0,
      `the expression has ${expression.length} characters, more than the ${MAX_SQL92_LENGTH} allowed`,
    );
  }
  return new Parser(expression).parse(options.trailing ?? 'refuse');
}
