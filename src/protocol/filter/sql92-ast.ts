/**
 * The compiled form of a SQL92 selector: a tree shaped as Java's expression objects (filter/expression),
 * with AND / OR chains flattened (Java's left-to-right, short-circuit, three-valued AND and OR give
 * the same answer and the same evaluation order either way) so a long chain is not a deep tree.
 */
import type { Sql92Value } from './java-values.js';
import { javaValueText } from './java-values.js';

export type ComparisonOperator = '>' | '>=' | '<' | '<=';
export type TextOperator = 'CONTAINS' | 'STARTSWITH' | 'ENDSWITH';

export type Sql92Node =
  /** `bool`: a TRUE / FALSE / NULL literal (Java's BooleanConstantExpression). */
  | { k: 'const'; value: Sql92Value; bool: boolean; d: number }
  | { k: 'prop'; name: string; d: number }
  | { k: 'neg'; e: Sql92Node; d: number }
  | { k: 'not'; e: Sql92Node; d: number }
  /** A property used where a boolean is expected (UnaryExpression.createBooleanCast). */
  | { k: 'cast'; e: Sql92Node; d: number }
  | { k: 'and' | 'or'; items: Sql92Node[]; d: number }
  | { k: 'eq'; l: Sql92Node; r: Sql92Node; d: number }
  | { k: 'cmp'; op: ComparisonOperator; l: Sql92Node; r: Sql92Node; d: number }
  | { k: 'in'; name: string; values: ReadonlySet<string>; not: boolean; d: number }
  | { k: 'text'; op: TextOperator; not: boolean; e: Sql92Node; search: string; d: number };

/** Java `instanceof BooleanExpression`. */
export function isBooleanNode(n: Sql92Node): boolean {
  return n.k === 'const' ? n.bool : n.k !== 'prop' && n.k !== 'neg';
}

/** Readable text of a node (close to Java's toString), for error messages. */
export function nodeText(n: Sql92Node): string {
  switch (n.k) {
    case 'const':
      return javaValueText(n.value);
    case 'prop':
      return n.name;
    case 'neg':
      return `(- ${nodeText(n.e)})`;
    case 'not':
      return `(NOT ${nodeText(n.e)})`;
    case 'cast':
      return nodeText(n.e);
    case 'and':
    case 'or':
      return `(${n.items.map(nodeText).join(n.k === 'and' ? ' AND ' : ' OR ')})`;
    case 'eq':
      return `(${nodeText(n.l)} = ${nodeText(n.r)})`;
    case 'cmp':
      return `(${nodeText(n.l)} ${n.op} ${nodeText(n.r)})`;
    case 'in':
      return `${n.name} ${n.not ? 'NOT IN' : 'IN'} (${[...n.values].map((v) => javaValueText(v)).join(', ')})`;
    case 'text':
      return `${nodeText(n.e)} ${n.not ? 'NOT ' : ''}${n.op} ${javaValueText(n.search)}`;
  }
}
