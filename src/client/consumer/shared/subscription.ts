/**
 * Subscriptions. Tags (Java FilterAPI.buildSubscriptionData for TAG expressions): `*` or empty means
 * every message; otherwise `TagA || TagB`, each trimmed tag kept in tagsSet with its Java hash code
 * in codeSet. The broker filters by hash code; the client then re-checks the tag text, because two
 * tags can share a hash. SQL92 (buildSubscription with MessageSelector.bySql): checked with the
 * broker's own parser, filtered by the broker only.
 */
import { IllegalArgumentError } from '../../../common/errors.js';
import type { SubscriptionData } from '../../../protocol/body/index.js';
import { javaStringHash } from '../../../protocol/message/index.js';
import { parseSql92 } from '../../../protocol/filter/index.js';

export const SUB_ALL = '*';

export function buildSubscriptionData(
  topic: string,
  subExpression: string | undefined,
  subVersion: number = Date.now(),
): SubscriptionData {
  const data: SubscriptionData = {
    topic,
    subString: SUB_ALL,
    tagsSet: [],
    codeSet: [],
    subVersion,
    expressionType: 'TAG',
    classFilterMode: false,
  };
  if (subExpression === undefined || subExpression === '' || subExpression === SUB_ALL) return data;
  if (typeof subExpression !== 'string') {
    throw new IllegalArgumentError(`subscription expression must be a string like "TagA || TagB"`);
  }
  data.subString = subExpression;
  for (const part of subExpression.split('||')) {
    const tag = part.trim();
    if (tag.length === 0 || data.tagsSet.includes(tag)) continue;
    data.tagsSet.push(tag);
    const code = javaStringHash(tag);
    if (!data.codeSet.includes(code)) data.codeSet.push(code);
  }
  if (data.tagsSet.length === 0) {
    throw new IllegalArgumentError(
      `subscription expression "${subExpression}" names no tag; use "*" or "TagA || TagB"`,
    );
  }
  return data;
}

/** Client-side tag check: true when the subscription takes every tag or lists this one. */
export function tagMatches(subscription: SubscriptionData, tags: string | undefined): boolean {
  if (subscription.tagsSet.length === 0 || subscription.classFilterMode) return true;
  return tags !== undefined && subscription.tagsSet.includes(tags);
}

/**
 * A subscription expression with its type (Java MessageSelector): `MessageSelector.bySql(expr)`
 * selects by message properties (needs a broker with enablePropertyFilter), `byTag(expr)` is the
 * same as passing the tag expression string.
 */
export interface MessageSelector {
  /** TAG (tag expression) or SQL92 (property filter). */
  readonly type: 'TAG' | 'SQL92';
  /** The expression text. */
  readonly expression: string;
}

/** Builds MessageSelector values. */
export const MessageSelector = {
  /** Selects by an SQL92 expression over message properties (the broker needs enablePropertyFilter). */
  bySql(sql: string): MessageSelector {
    return { type: 'SQL92', expression: sql };
  },
  /** Selects by a tag expression (`*`, `TagA || TagB`), like passing the string itself. */
  byTag(tag: string): MessageSelector {
    return { type: 'TAG', expression: tag };
  },
} as const;

/** What consumers accept as a subscription: a tag expression (`*`, `TagA || TagB`) or a selector. */
export type SubscriptionExpression = string | MessageSelector;

/**
 * SubscriptionData for a tag expression or a MessageSelector (Java FilterAPI.build). A SQL92
 * expression is parsed here, so a mistake is a Sql92SyntaxError (code SUBSCRIPTION_PARSE_FAILED, with
 * its position) before anything is sent; it goes to the broker as written, with empty tag sets.
 * Every consumer kind builds its subscriptions with this function.
 */
export function buildSubscription(
  topic: string,
  selector: SubscriptionExpression | undefined,
  subVersion: number = Date.now(),
): SubscriptionData {
  if (selector === undefined || typeof selector === 'string') {
    return buildSubscriptionData(topic, selector, subVersion);
  }
  if (typeof selector !== 'object' || selector === null) {
    throw new IllegalArgumentError(
      'subscription must be a tag expression string or MessageSelector.bySql(...) / byTag(...)',
    );
  }
  if (selector.type === 'TAG') return buildSubscriptionData(topic, selector.expression, subVersion);
  if (selector.type !== 'SQL92') {
    throw new IllegalArgumentError(
      `MessageSelector type must be 'TAG' or 'SQL92', got ${JSON.stringify(selector.type)}`,
    );
  }
  parseSql92(selector.expression);
  return {
    topic,
    subString: selector.expression,
    tagsSet: [],
    codeSet: [],
    subVersion,
    expressionType: 'SQL92',
    classFilterMode: false,
  };
}

/** Two subscriptions of the same topic filter alike (then the older subVersion may stay). */
export function sameFilter(a: SubscriptionData, b: SubscriptionData): boolean {
  return a.subString === b.subString && a.expressionType === b.expressionType;
}
