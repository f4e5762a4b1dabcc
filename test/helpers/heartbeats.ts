/** Heartbeat bodies for broker tests: a consumer group subscribed to every tag (`*`) of some topics. */
import type { ConsumerData } from '../../src/protocol/body/heartbeat.js';

export function consumerData(
  groupName: string,
  topics: readonly string[],
  consumeType: ConsumerData['consumeType'] = 'CONSUME_ACTIVELY',
): ConsumerData {
  return {
    groupName,
    consumeType,
    messageModel: 'CLUSTERING',
    consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
    subscriptionDataSet: topics.map((topic) => ({
      topic,
      subString: '*',
      tagsSet: [],
      codeSet: [],
      subVersion: 1,
      expressionType: 'TAG',
      classFilterMode: false,
    })),
    unitMode: false,
  };
}
