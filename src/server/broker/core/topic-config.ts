/**
 * The texts a broker derives from a TopicConfig for remarks (the type itself: protocol/body/topic-config).
 */
import { Perm } from '../../../protocol/codes/misc.js';
import type { TopicConfig } from '../../../protocol/body/topic-config.js';

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
