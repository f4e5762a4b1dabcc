/** Deterministic messages shared by the kill-test writer (child) and the verifying test (parent). */
import type { MessageStoreOptions, PutMessageInput } from '../../src/server/store/index.js';
import { encodeProperties } from '../../src/protocol/message/properties.js';

export const KILL_TEST_QUEUES = 3;

export const KILL_TEST_STORE_OPTIONS: Omit<MessageStoreOptions, 'storePathRootDir'> = {
  flushDiskType: 'SYNC_FLUSH',
  commitLogSegmentSize: 64 * 1024,
  consumeQueueEntriesPerFile: 50,
};

export function killTestMessage(index: number): PutMessageInput {
  return {
    topic: 'KillTest',
    queueId: index % KILL_TEST_QUEUES,
    flag: index % 7,
    // Sizes vary so records end at many different positions (and segment rolls happen).
    body: Buffer.from(`message-${index}:` + 'x'.repeat((index * 37) % 900)),
    properties: encodeProperties({ KEYS: `key-${index}`, TAGS: `T${index % 4}`, UNIQ_KEY: `U${index}` }),
    sysFlag: 0,
    bornTimestamp: 1700000000000 + index,
    bornHost: { ip: '127.0.0.1', port: 40000 + (index % 1000) },
    storeHost: { ip: '127.0.0.1', port: 10911 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0n,
  };
}
