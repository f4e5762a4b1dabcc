/**
 * Tag subscriptions (Java FilterAPI.buildSubscriptionData for TAG expressions): `*` or empty means
 * every message; otherwise `TagA || TagB`, each trimmed tag kept in tagsSet with its Java hash code
 * in codeSet. The broker filters by hash code; the client then re-checks the tag text, because two
 * tags can share a hash.
 */
import { IllegalArgumentError } from '../../../common/errors.js';
import type { SubscriptionData } from '../../../protocol/body/index.js';
import { javaStringHash } from '../../../protocol/message/index.js';

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
