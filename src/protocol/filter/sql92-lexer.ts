/**
 * Tokens of the SQL92 message selector, as Java's SelectorParser.jj (4.9.8 / 5.3.3) defines them:
 * whitespace " \t\n\r\f"; `-- ...` comments ended by a line break (without one, `--` is two minus
 * signs, as JavaCC's longest match finds); `/* ... *\/` comments; case-insensitive keywords; numbers
 * (`0` or `[1-9][0-9]*` with an optional `l`/`L`; floats `5.`, `5.5`, `.5`, `5E10`, `5.5e-3`);
 * strings in single quotes with `''` for a quote; identifiers `[A-Za-z_$][A-Za-z0-9_$]*` (no dots,
 * as in Java); the operators = <> > >= < <= ( ) , + -. Tokens are read on demand: like JavaCC, the
 * parser looks at most two tokens ahead, so input after a complete expression is only read as far.
 */
import { Sql92SyntaxError } from './sql92-errors.js';

export const KEYWORDS = [
  'NOT',
  'AND',
  'OR',
  'BETWEEN',
  'IN',
  'TRUE',
  'FALSE',
  'NULL',
  'IS',
  'CONTAINS',
  'STARTSWITH',
  'ENDSWITH',
] as const;
export type Keyword = (typeof KEYWORDS)[number];
const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

export type Operator = '=' | '<>' | '>' | '>=' | '<' | '<=' | '(' | ')' | ',' | '+' | '-';

export type Token =
  | { kind: 'keyword'; value: Keyword; pos: number; text: string }
  | { kind: 'op'; value: Operator; pos: number; text: string }
  | { kind: 'id'; value: string; pos: number; text: string }
  | { kind: 'decimal'; value: string; pos: number; text: string }
  | { kind: 'float'; value: string; pos: number; text: string }
  | { kind: 'string'; value: string; pos: number; text: string }
  | { kind: 'eof'; pos: number; text: string };

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isIdStart = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$');
const isIdPart = (c: string | undefined): boolean => isIdStart(c) || isDigit(c);
const WHITESPACE = ' \t\n\r\f';

export class Sql92Lexer {
  private pos = 0;
  private readonly ahead: Token[] = [];

  /** Index of the last line break: a `--` after it cannot start a comment (keeps lexing linear). */
  private readonly lastBreak: number;

  constructor(readonly source: string) {
    this.lastBreak = Math.max(source.lastIndexOf('\n'), source.lastIndexOf('\r'));
  }

  /** The k-th token ahead (0 = next), without consuming it. */
  peek(k = 0): Token {
    while (this.ahead.length <= k) this.ahead.push(this.read());
    return this.ahead[k]!;
  }

  next(): Token {
    return this.ahead.shift() ?? this.read();
  }

  private fail(pos: number, what: string): never {
    throw new Sql92SyntaxError(this.source, pos, what);
  }

  private skipIgnored(): void {
    const s = this.source;
    for (;;) {
      const c = s[this.pos];
      if (c !== undefined && WHITESPACE.includes(c)) {
        this.pos++;
      } else if (c === '-' && s[this.pos + 1] === '-') {
        // A line comment only when a line break ends it; else the two characters are minus signs.
        if (this.pos > this.lastBreak) return;
        let end = this.pos + 2;
        while (s[end] !== '\n' && s[end] !== '\r') end++;
        this.pos = end + 1;
      } else if (c === '/' && s[this.pos + 1] === '*') {
        const end = s.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail(this.pos, 'unterminated comment: /* needs a closing */');
        this.pos = end + 2;
      } else {
        return;
      }
    }
  }

  private read(): Token {
    this.skipIgnored();
    const s = this.source;
    const start = this.pos;
    const c = s[start];
    if (c === undefined) return { kind: 'eof', pos: start, text: '' };
    if (c === "'") return this.readString(start);
    if (isDigit(c) || (c === '.' && isDigit(s[start + 1]))) return this.readNumber(start);
    if (isIdStart(c)) {
      let end = start + 1;
      while (isIdPart(s[end])) end++;
      this.pos = end;
      const text = s.slice(start, end);
      const upper = text.toUpperCase();
      if (KEYWORD_SET.has(upper)) return { kind: 'keyword', value: upper as Keyword, pos: start, text };
      return { kind: 'id', value: text, pos: start, text };
    }
    const two = s.slice(start, start + 2);
    if (two === '<>' || two === '>=' || two === '<=') {
      this.pos = start + 2;
      return { kind: 'op', value: two, pos: start, text: two };
    }
    if ('=><(),+-'.includes(c)) {
      this.pos = start + 1;
      return { kind: 'op', value: c as Operator, pos: start, text: c };
    }
    const shown = c === ' ' || c.trim() === '' ? JSON.stringify(c) : `'${c}'`;
    return this.fail(start, `unexpected character ${shown}`);
  }

  private readString(start: number): Token {
    const s = this.source;
    let value = '';
    let i = start + 1;
    for (;;) {
      const q = s.indexOf("'", i);
      if (q < 0) this.fail(start, "unterminated string: a ' needs a closing ' (write '' for a quote)");
      value += s.slice(i, q);
      if (s[q + 1] === "'") {
        value += "'";
        i = q + 2;
        continue;
      }
      this.pos = q + 1;
      return { kind: 'string', value, pos: start, text: s.slice(start, q + 1) };
    }
  }

  /** Longest match between DECIMAL_LITERAL and FLOATING_POINT_LITERAL. */
  private readNumber(start: number): Token {
    const s = this.source;
    let i = start;
    while (isDigit(s[i])) i++;
    const intDigits = i - start;
    let isFloat = false;
    if (s[i] === '.') {
      isFloat = true;
      i++;
      while (isDigit(s[i])) i++;
    }
    if ((s[i] === 'e' || s[i] === 'E') && (intDigits > 0 || isFloat)) {
      let j = i + 1;
      if (s[j] === '+' || s[j] === '-') j++;
      if (isDigit(s[j])) {
        while (isDigit(s[j])) j++;
        i = j;
        isFloat = true;
      }
    }
    if (isFloat) {
      this.pos = i;
      const text = s.slice(start, i);
      return { kind: 'float', value: text, pos: start, text };
    }
    // DECIMAL: "0" alone, or [1-9][0-9]* with an optional l/L.
    let end = s[start] === '0' ? start + 1 : start + intDigits;
    const digits = s.slice(start, end);
    if (s[start] !== '0' && (s[end] === 'l' || s[end] === 'L')) end++;
    this.pos = end;
    return { kind: 'decimal', value: digits, pos: start, text: s.slice(start, end) };
  }
}
