/**
 * SQL92 message selectors (Java's `MessageSelector.bySql`, broker option enablePropertyFilter): a
 * parser and evaluator shared by the client (checks an expression before anything is sent) and the
 * broker (filters pulls and long polls by message properties).
 */
import type { Sql92Value } from './java-values.js';
import { evaluateSql92, matchesSql92 } from './sql92-eval.js';
import type { Sql92Properties } from './sql92-eval.js';
import { parseSql92 } from './sql92-parser.js';
import type { Sql92ParseOptions } from './sql92-parser.js';
import type { Sql92Node } from './sql92-ast.js';

export { Sql92SyntaxError } from './sql92-errors.js';
export { MAX_SQL92_DEPTH, MAX_SQL92_LENGTH, parseSql92 } from './sql92-parser.js';
export type { Sql92ParseOptions } from './sql92-parser.js';
export type { Sql92Properties } from './sql92-eval.js';
export type { Sql92Value, JavaNumber } from './java-values.js';
export type { Sql92Node } from './sql92-ast.js';

/** Expression type names of SubscriptionData.expressionType (Java ExpressionType). */
export const ExpressionType = { TAG: 'TAG', SQL92: 'SQL92' } as const;

/** Java ExpressionType.isTagType: null, '' and 'TAG' are tag expressions. */
export function isTagExpressionType(type: string | undefined | null): boolean {
  return type === undefined || type === null || type === '' || type === ExpressionType.TAG;
}

/** A compiled SQL92 filter expression (Java's broker-side property filter). */
export interface Sql92Selector {
  readonly expression: string;
  /** True when the message with these properties is selected (the expression evaluates to TRUE). */
  matches(properties: Sql92Properties): boolean;
  /** Java's raw result: TRUE, FALSE, null (unknown) or a value; throws where Java's evaluator throws. */
  evaluate(properties: Sql92Properties): Sql92Value;
}

/** Parses once; the selector is then evaluated per message. Throws Sql92SyntaxError. */
export function compileSql92(expression: string, options: Sql92ParseOptions = {}): Sql92Selector {
  const root: Sql92Node = parseSql92(expression, options);
  return {
    expression,
    matches: (properties) => matchesSql92(root, properties),
    evaluate: (properties) => evaluateSql92(root, properties),
  };
}
