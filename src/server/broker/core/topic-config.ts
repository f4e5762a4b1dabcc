/**
 * The texts a broker derives from a TopicConfig for remarks (the type itself: protocol/body/topic-config),
 * and the topic-name check every request naming a new topic passes.
 */
import { RequestRefusedError } from '../../../common/errors.js';
import { Perm } from '../../../protocol/codes/misc.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import type { TopicConfig } from '../../../protocol/body/topic-config.js';
import { isTopicOrGroupIllegal } from '../../../protocol/message/validators.js';

export const TOPIC_MAX_LENGTH = 127;

/** Java TopicValidator.validateTopic (4.9.8 codes and remarks); refuses a bad name. */
export function checkTopicName(topic: string): void {
  // A producer sends message after message to one topic: the last name that passed is not checked again.
  if (topic === lastLegalTopic) return;
  if (topic.trim().length === 0) {
    throw new RequestRefusedError(ResponseCode.SYSTEM_ERROR, 'The specified topic is blank.');
  }
  if (isTopicOrGroupIllegal(topic)) {
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_ERROR,
      'The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$',
    );
  }
  if (topic.length > TOPIC_MAX_LENGTH) {
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_ERROR,
      'The specified topic is longer than topic max length.',
    );
  }
  lastLegalTopic = topic;
}
let lastLegalTopic: string | undefined;

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
