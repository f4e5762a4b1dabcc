/**
 * Allocation strategies against test/fixtures/java/allocate-vectors.json: the assignments Apache
 * RocketMQ 4.9.8's own strategy classes (client/consumer/rebalance, common/consistenthash) computed on
 * JDK 17 for 1..7 members, 1..17 queues over 1..3 brokers, shuffled inputs, a client that is not a
 * member, odd broker names, non-ASCII client ids, duplicate ids, and the inputs Java refuses. Queues in a
 * result are indices into the case's queue list; `{ error }` is the IllegalArgumentException message.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { IllegalArgumentError } from '../../src/common/errors.js';
import {
  AllocateMachineRoomNearby,
  allocateOnWireTopics,
  AllocateMessageQueueAveragely,
  AllocateMessageQueueAveragelyByCircle,
  AllocateMessageQueueByConfig,
  AllocateMessageQueueByMachineRoom,
  AllocateMessageQueueConsistentHash,
  type AllocateMessageQueueStrategy,
  md5RingHash,
  sortClientIdsForAllocation,
  sortQueuesForAllocation,
} from '../../src/client/consumer/allocate/index.js';
import { MessageQueue } from '../../src/client/message-queue.js';

interface VectorCase {
  name: string;
  topic: string;
  queues: [string, number][];
  cids: string[];
  queries: string[];
  config?: number[];
  results: Record<string, (number[] | { error: string })[]>;
}
const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/java/allocate-vectors.json', import.meta.url), 'utf8'),
) as { group: string; cases: VectorCase[] };

const firstPart = (text: string): string => text.split('@')[0] ?? '';
const resolver = {
  brokerDeployIn: (mq: MessageQueue) => firstPart(mq.brokerName),
  consumerDeployIn: (cid: string) => firstPart(cid),
};

function strategyFor(spec: string, config: MessageQueue[]): AllocateMessageQueueStrategy {
  const [kind, arg] = spec.split(/:(.*)/s) as [string, string | undefined];
  switch (kind) {
    case 'AVG':
      return new AllocateMessageQueueAveragely();
    case 'AVG_BY_CIRCLE':
      return new AllocateMessageQueueAveragelyByCircle();
    case 'CONSISTENT_HASH':
      return new AllocateMessageQueueConsistentHash(
        arg === undefined ? {} : { virtualNodeCount: Number(arg) },
      );
    case 'MACHINE_ROOM':
      return new AllocateMessageQueueByMachineRoom(arg === undefined ? [] : arg.split(','));
    case 'MACHINE_ROOM_NEARBY':
      return new AllocateMachineRoomNearby(strategyFor(arg ?? '', config), resolver);
    case 'CONFIG':
      return new AllocateMessageQueueByConfig(config);
  }
  throw new Error(`unknown strategy in the vectors: ${spec}`);
}

/** Strategies whose members together take every queue (MACHINE_ROOM leaves other rooms' queues out). */
const COVERING = /^(AVG|AVG_BY_CIRCLE|CONSISTENT_HASH(:[1-9]\d*)?|MACHINE_ROOM_NEARBY:.*)$/;

test('every strategy matches every Java vector; members take each queue exactly once [J]', () => {
  let checked = 0;
  let groupsCovered = 0;
  assert.ok(vectors.cases.length > 400);
  for (const c of vectors.cases) {
    const mqAll = c.queues.map(([broker, id]) => new MessageQueue(c.topic, broker, id));
    const config = (c.config ?? []).map((i) => mqAll[i] as MessageQueue);
    const distinctMembers =
      c.cids.length > 0 &&
      new Set(c.cids).size === c.cids.length &&
      c.cids.every((cid) => c.queries.includes(cid));
    for (const [spec, expected] of Object.entries(c.results)) {
      const strategy = strategyFor(spec, config);
      const takenBy = new Map<number, string[]>();
      c.queries.forEach((cid, k) => {
        const want = expected[k];
        const where = `${c.name} / ${spec} / ${JSON.stringify(cid)}`;
        checked++;
        if (want !== undefined && !Array.isArray(want)) {
          assert.throws(
            () => strategy.allocate(vectors.group, cid, mqAll, c.cids),
            (e: unknown) => e instanceof IllegalArgumentError && e.message === want.error,
            where,
          );
          return;
        }
        const got = strategy.allocate(vectors.group, cid, mqAll, c.cids).map((mq) => mqAll.indexOf(mq));
        assert.deepEqual(got, want, where);
        if (c.cids.includes(cid)) for (const i of got) takenBy.set(i, [...(takenBy.get(i) ?? []), cid]);
      });
      if (!distinctMembers || spec === 'CONFIG' || mqAll.length === 0) continue;
      for (const [i, members] of takenBy)
        assert.equal(members.length, 1, `${c.name} / ${spec}: queue ${i} taken once`);
      if (COVERING.test(spec))
        assert.equal(takenBy.size, mqAll.length, `${c.name} / ${spec}: every queue taken`);
      groupsCovered++;
    }
  }
  assert.ok(checked > 9000, `${checked} assignments checked`);
  assert.ok(groupsCovered > 2000, `${groupsCovered} groups checked for coverage`);
});

test('machine room: the queues in the chosen rooms are covered exactly once', () => {
  const mqAll = ['roomA@a', 'roomB@b', 'roomC@c', 'plain'].flatMap((b) =>
    [0, 1, 2, 3].map((i) => new MessageQueue('T', b, i)),
  );
  const strategy = new AllocateMessageQueueByMachineRoom(new Set(['roomA', 'roomC']));
  const cids = ['c1', 'c2', 'c3'];
  const all = cids.flatMap((cid) => strategy.allocate('G', cid, mqAll, cids).map((mq) => mq.key()));
  assert.deepEqual(
    all.sort(),
    mqAll
      .filter((mq) => /^room[AC]@/.test(mq.brokerName))
      .map((mq) => mq.key())
      .sort(),
  );
});

test('sorting helpers order queues and client ids as Java does before allocating', () => {
  const qs = [new MessageQueue('T', 'b', 10), new MessageQueue('T', 'b', 2), new MessageQueue('S', 'z', 0)];
  assert.deepEqual(
    sortQueuesForAllocation(qs).map((q) => q.key()),
    ['S@z@0', 'T@b@2', 'T@b@10'],
  );
  assert.deepEqual(sortClientIdsForAllocation(['b', 'B', 'a', '\u00e9', 'Z']), [
    'B',
    'Z',
    'a',
    'b',
    '\u00e9',
  ]);
  assert.equal(qs[0]?.queueId, 10, 'the input is not reordered');
});

test('consistent hash: Java MD5 ring positions, bad options refused, a custom hash used', () => {
  // First 4 bytes of MD5("a") = 0c c1 75 b9.
  assert.equal(md5RingHash('a'), 0x0cc175b9);
  assert.throws(
    () => new AllocateMessageQueueConsistentHash({ virtualNodeCount: -1 }),
    /illegal virtualNodeCnt :-1/,
  );
  assert.throws(
    () => new AllocateMessageQueueConsistentHash({ virtualNodeCount: 1.5 }),
    IllegalArgumentError,
  );
  const mqAll = [0, 1, 2, 3].map((i) => new MessageQueue('T', 'b', i));
  const toFirst = new AllocateMessageQueueConsistentHash({
    hashFunction: (key) => (key.startsWith('x-') ? 5 : key.startsWith('y-') ? 1 : 3),
  });
  assert.equal(toFirst.allocate('G', 'x', mqAll, ['x', 'y']).length, 4);
});

test('bad strategy options are refused with a clear error', () => {
  assert.throws(() => new AllocateMessageQueueByMachineRoom(null as never), /consumeIdcs must be/);
  assert.throws(() => new AllocateMessageQueueByMachineRoom([1] as never), /consumeIdcs must hold strings/);
  assert.throws(() => new AllocateMessageQueueByConfig([{}] as never), /messageQueueList must be an array/);
  assert.throws(
    () => new AllocateMachineRoomNearby(null as never, resolver),
    /allocateMessageQueueStrategy is null/,
  );
  const nearby = new AllocateMachineRoomNearby(new AllocateMessageQueueAveragely(), {
    brokerDeployIn: () => '',
    consumerDeployIn: () => 'r',
  });
  assert.throws(
    () => nearby.allocate('G', 'c', [new MessageQueue('T', 'b', 0)], ['c']),
    /Machine room is null for mq MessageQueue \[topic=T, brokerName=b, queueId=0\]/,
  );
  assert.equal(nearby.name, 'MACHINE_ROOM_NEARBY-AVG');
});

test('with a namespace, strategies see the namespaced topics Java members see', () => {
  const mqAll = [0, 1, 2, 3, 4, 5].map((i) => new MessageQueue('Orders', 'broker-a', i));
  const cids = ['10.0.0.1@a', '10.0.0.2@b'];
  const hash = new AllocateMessageQueueConsistentHash();
  const wire = mqAll.map((mq) => new MessageQueue(`ns1%${mq.topic}`, mq.brokerName, mq.queueId));
  assert.notDeepEqual(
    hash.allocate('G', cids[0] ?? '', mqAll, cids).map((mq) => mq.queueId),
    hash.allocate('G', cids[0] ?? '', wire, cids).map((mq) => mq.queueId),
    'the topic text changes the ring (else this test proves nothing)',
  );
  for (const cid of cids) {
    const javaView = hash.allocate('ns1%G', cid, wire, cids).map((mq) => mq.queueId);
    const ours = allocateOnWireTopics(hash, 'ns1', 'ns1%G', cid, mqAll, cids);
    assert.deepEqual(
      ours.map((mq) => mq.queueId),
      javaView,
    );
    assert.ok(
      ours.every((mq) => mq.topic === 'Orders' && mqAll.includes(mq)),
      'the caller gets its own queues back',
    );
  }
});
