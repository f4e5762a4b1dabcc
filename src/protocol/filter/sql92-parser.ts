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
import type { ComparisonOperator, Sql92Node, TextOperator } from './sql92-ast.js';
import { nodeText } from './sql92-ast.js';
import { MAX_SQL92_DEPTH, Sql92Builder } from './sql92-build.js';
import { Sql92SyntaxError } from './sql92-errors.js';
import { Sql92Lexer } from './sql92-lexer.js';
import type { Keyword, Operator, Token } from './sql92-lexer.js';

export const MAX_SQL92_LENGTH = 64 * 1024;
export { MAX_SQL92_DEPTH };

export interface Sql92ParseOptions {
  /** What to do with input after a complete expression: Java ignores it. Default 'refuse'. */
  trailing?: 'refuse' | 'ignore';
}

const TEXT_OPERATORS: readonly string[] = ['CONTAINS', 'STARTSWITH', 'ENDSWITH'];
const NOT_FOLLOWERS: readonly string[] = [...TEXT_OPERATORS, 'BETWEEN', 'IN'];

function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the expression';
  const text = t.text.length > 24 ? t.text.slice(0, 24) + '…' : t.text;
  return t.kind === 'string' ? `string ${text}` : `'${text}'`;
}

class Parser extends Sql92Builder {
  private readonly lexer: Sql92Lexer;
  private nesting = 0;

  constructor(source: string) {
    super(source);
    this.lexer = new Sql92Lexer(source);
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
