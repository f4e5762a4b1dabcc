import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageQueue } from '../../src/client/message-queue.js';
import { splitIntoBatches, batchEntrySize } from '../../src/client/producer/ordered/batch-splitter.js';
import {
  hashQueueIndex,
  javaHashCode,
  selectMessageQueueByHash,
  selectMessageQueueByMachineRoom,
  selectMessageQueueByRandom,
} from '../../src/client/producer/ordered/selectors.js';
import { BatchRuleError } from '../../src/client/producer/message-batch.js';
import { IllegalArgumentError } from '../../src/common/errors.js';
import { encodeBatch, Message, MessageConst } from '../../src/protocol/message/index.js';
import { clusterOrderConf, mergeOrderConf } from '../../src/cli/commands/order-conf.js';

// Vectors printed by a throwaway Java 17 program: `s.hashCode()` and SelectMessageQueueByHash's index
// (value = arg.hashCode() % n; if (value < 0) value = Math.abs(value)) for n = 1, 3, 4, 8, 16.
const STRING_VECTORS: [string, number, number[]][] = [
  ['', 0, [0, 0, 0, 0, 0]],
  ['a', 97, [0, 1, 1, 1, 1]],
  ['order-1', -1207111310, [0, 2, 2, 6, 14]],
  ['order-2', -1207111309, [0, 1, 1, 5, 13]],
  ['user:42', -147170163, [0, 0, 3, 3, 3]],
  ['ORDER_20240101_000123', -1690806002, [0, 2, 2, 2, 2]],
  ['polygenelubricants', -2147483648, [0, 2, 0, 0, 0]],
  ['Aa', 2112, [0, 0, 0, 0, 0]],
  ['BB', 2112, [0, 0, 0, 0, 0]],
  ['\u952e\u503c', 1204430, [0, 2, 2, 6, 14]],
  ['\ud83d\ude00emoji', -1233692477, [0, 2, 1, 5, 13]],
  ['zzzzzzzzzzzzzzzzzzzz', 1718487168, [0, 0, 0, 0, 0]],
];
const COUNTS = [1, 3, 4, 8, 16];

// [argument, Java hashCode, index among 8 queues]: Integer, Long, Double, Boolean.
const NUMBER_VECTORS: [number | bigint | boolean, number, number][] = [
  [0, 0, 0],
  [1, 1, 1],
  [-1, -1, 1],
  [7, 7, 7],
  [-7, -7, 7],
  [123456789, 123456789, 5],
  [-2147483648, -2147483648, 0],
  [2147483647, 2147483647, 7],
  [4294967296n, 1, 1],
  [-4294967297n, 1, 1],
  [9007199254740991n, -2097152, 0],
  [-9007199254740991n, -2097151, 7],
  [9223372036854775807n, -2147483648, 0],
  [-9223372036854775808n, -2147483648, 0],
  // Safe integers outside int32 as numbers hash as Java Long too.
  [4294967296, 1, 1],
  [9007199254740991, -2097152, 0],
  [0.5, 1071644672, 0],
  [-2.25, -1073610752, 0],
  [3.141592653589793, 340593891, 3],
  [1e300, -164130400, 0],
  [NaN, 2146959360, 0],
  [true, 1231, 7],
  [false, 1237, 5],
];

const queues = (n: number): MessageQueue[] =>
  Array.from({ length: n }, (_, i) => new MessageQueue('T', `b${i % 2}`, i));

test('hash selector: String keys pick the queue Java SelectMessageQueueByHash picks [J]', () => {
  for (const [key, hash, indexes] of STRING_VECTORS) {
    assert.equal(javaHashCode(key), hash, key);
    COUNTS.forEach((n, i) => {
      assert.equal(hashQueueIndex(key, n), indexes[i], `${key} among ${n}`);
      const chosen = selectMessageQueueByHash(queues(n), new Message('T', 'x'), key);
      assert.equal(chosen?.queueId, indexes[i]);
    });
  }
});

test('hash selector: numbers, bigints and booleans hash as Java Integer / Long / Double / Boolean [J]', () => {
  for (const [arg, hash, index] of NUMBER_VECTORS) {
    assert.equal(javaHashCode(arg), hash, String(arg));
    assert.equal(hashQueueIndex(arg, 8), index, String(arg));
  }
});

test('hash selector: arguments without a Java hashCode are refused', () => {
  for (const bad of [undefined, null, {}, [], () => 1, Symbol('s'), 1n << 64n]) {
    assert.throws(() => javaHashCode(bad), IllegalArgumentError);
  }
});

test('random selector picks every queue and stays in range; machine room returns nothing as Java', () => {
  const seen = new Set<number>();
  let x = 0;
  const random = (): number => (x = (x + 0.37) % 1);
  const select = selectMessageQueueByRandom(random);
  for (let i = 0; i < 100; i++) seen.add(select(queues(5), new Message('T', 'x'), undefined)?.queueId ?? -1);
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
  const room = selectMessageQueueByMachineRoom(new Set(['idc1']));
  assert.equal(room(queues(4), new Message('T', 'x'), 'idc1'), null);
  assert.deepEqual([...room.consumeridcs], ['idc1']);
});

test('splitter: batches stay within the limit by their exact encoded size and keep the order', () => {
  const messages = Array.from(
    { length: 50 },
    (_, i) => new Message('T', Buffer.alloc(100 + i * 7, i), { keys: [`k${i}`] }),
  );
  for (const m of messages.slice(0, 25)) {
    m.putProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, 'AB'.repeat(16));
  }
  const limit = 2000;
  const batches = splitIntoBatches(messages, limit);
  assert.deepEqual(batches.flat(), messages);
  assert.ok(batches.length > 5);
  for (const [i, batch] of batches.entries()) {
    // Give the rest their UNIQ_KEY as the producer would: the estimate must then be exact.
    for (const m of batch) {
      if (m.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) === undefined) {
        const size = batchEntrySize(m);
        m.putProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, 'CD'.repeat(16));
        assert.equal(batchEntrySize(m), size);
      }
    }
    const encoded = encodeBatch(
      batch.map((m) => ({ flag: m.flag, body: m.bodyBytes(), properties: m.properties })),
    );
    assert.ok(encoded.length <= limit, `batch ${i}: ${encoded.length}`);
    const next = batches[i + 1]?.[0];
    if (next !== undefined) assert.ok(encoded.length + batchEntrySize(next) > limit, 'batches are filled');
  }
});

test('splitter: a message alone over the limit and bad arguments are typed errors', () => {
  assert.throws(() => splitIntoBatches([new Message('T', Buffer.alloc(5000))], 4096), BatchRuleError);
  assert.throws(() => splitIntoBatches([new Message('T', 'x')], 0), IllegalArgumentError);
  assert.throws(() => splitIntoBatches([{ topic: 'T' } as unknown as Message]), IllegalArgumentError);
  assert.deepEqual(splitIntoBatches([]), []);
});

test('order conf values in Java HashMap / HashSet order, as mqadmin updateTopic -o writes them [J]', () => {
  // Printed by a throwaway Java 17 program: the merge through a HashMap (DefaultMQAdminExtImpl
  // createOrUpdateOrderConf) and a HashSet of broker names (UpdateTopicSubCommand -c).
  assert.equal(
    mergeOrderConf(mergeOrderConf('broker-b:4;broker-a:4;broker-x1:2', 'broker-c', 8), 'broker-a', 16),
    'broker-b:4;broker-c:8;broker-a:16;broker-x1:2',
  );
  assert.equal(
    clusterOrderConf(['rocketmq-broker-2', 'broker-a', 'rocketmq-broker-1', 'b'], 4),
    'b:4;rocketmq-broker-2:4;rocketmq-broker-1:4;broker-a:4',
  );
  assert.equal(mergeOrderConf(undefined, 'broker-a', 4), 'broker-a:4');
});
