/**
 * What subscribe() accepts: a tag expression (`*`, `TagA || TagB`) or `{ type, expression }` with
 * type TAG or SQL92 (Java MessageSelector). A SQL92 subscription is sent as is (expressionType SQL92,
 * subString the expression); the broker evaluates it (it must enable property filtering).
 */
import { IllegalArgumentError } from '../../../common/errors.js';
import type { SubscriptionData } from '../../../protocol/body/index.js';
import { buildSubscriptionData } from '../shared/subscription.js';

export type SubscriptionExpression = string | { type: 'TAG' | 'SQL92'; expression: string };

export function subscriptionOf(
  wireTopic: string,
  expression: SubscriptionExpression | undefined,
): SubscriptionData {
  if (expression === undefined || typeof expression === 'string')
    return buildSubscriptionData(wireTopic, expression);
  if (expression === null || typeof expression !== 'object') {
    throw new IllegalArgumentError(
      'a subscription expression is a tag expression string or { type, expression }',
    );
  }
  if (expression.type === 'TAG') return buildSubscriptionData(wireTopic, expression.expression);
  if (expression.type !== 'SQL92') {
    throw new IllegalArgumentError(
      `subscription expression type must be TAG or SQL92, got ${String(expression.type)}`,
    );
  }
  if (typeof expression.expression !== 'string' || expression.expression.trim() === '') {
    throw new IllegalArgumentError('a SQL92 subscription needs a non-empty expression, e.g. "a > 5"');
  }
  return {
    topic: wireTopic,
    subString: expression.expression,
    tagsSet: [],
    codeSet: [],
    subVersion: Date.now(),
    expressionType: 'SQL92',
    classFilterMode: false,
  };
}
