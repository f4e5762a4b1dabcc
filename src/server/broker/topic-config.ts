/**
 * The broker's view of a topic (Java TopicConfig) plus the texts Java derives from it for remarks.
 */
import { Perm } from '../../protocol/codes/misc.js';
import type { TopicConfig } from '../../protocol/body/topic-config.js';

/** Java PermName.perm2String: "RWX" with '-' for each missing bit (read, write, inherit). */
export function permToString(perm: number): string {
  return (
    ((perm & Perm.READ) !== 0 ? 'R' : '-') +
    ((perm & Perm.WRITE) !== 0 ? 'W' : '-') +
    ((perm & Perm.INHERIT) !== 0 ? 'X' : '-')
  );
}

/** Java TopicConfig.toString(), which appears inside some remarks (queueId checks). */
export function topicConfigToString(c: TopicConfig): string {
  return (
    `TopicConfig [topicName=${c.topicName}, readQueueNums=${c.readQueueNums}, writeQueueNums=${c.writeQueueNums}, ` +
    `perm=${permToString(c.perm)}, topicFilterType=${c.topicFilterType}, topicSysFlag=${c.topicSysFlag}, order=${c.order}]`
  );
}

/** Java FAQUrl.suggestTodo(url) for the single FAQ url every 4.9.8 FAQ constant points to. */
export const FAQ_SUGGEST = '\nSee http://rocketmq.apache.org/docs/faq/ for further details.';
