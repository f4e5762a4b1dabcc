import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_LATENCY_MAX,
  DEFAULT_NOT_AVAILABLE_DURATION,
  FaultStrategy,
  LatencyFaultTolerance,
  MessageQueue,
  TopicPublishInfo,
} from '../../src/client/index.js';
import type { TopicRouteData } from '../../src/protocol/body/route.js';

class FakeClock {
  constructor(public t = 1_000_000) {}
  now(): number {
    return this.t;
  }
}

/** A random source returning the given values in turn (then 0). */
function seq(...values: number[]): () => number {
  return () => values.shift() ?? 0;
}

function route(brokers: [string, number][]): TopicRouteData {
  return {
    queueDatas: brokers.map(([brokerName, n]) => ({
      brokerName,
      readQueueNums: n,
      writeQueueNums: n,
      perm: 6,
      topicSysFlag: 0,
    })),
    brokerDatas: brokers.map(([brokerName]) => ({
      cluster: 'C',
      brokerName,
      brokerAddrs: new Map([[0, `${brokerName}:10911`]]),
    })),
    filterServerTable: new Map(),
  };
}

describe('FaultStrategy.computeNotAvailableDuration (4.9.8 tables)', () => {
  const s = new FaultStrategy({ sendLatencyFaultEnable: true });
  const cases: [number, number][] = [
    [0, 0],
    [49, 0],
    [50, 0],
    [100, 0],
    [549, 0],
    [550, 30000],
    [999, 30000],
    [1000, 60000],
    [2000, 120000],
    [3000, 180000],
    [14999, 180000],
    [15000, 600000],
    [30000, 600000],
  ];
  for (const [latency, duration] of cases) {
    it(`${latency} ms -> ${duration} ms`, () =>
      assert.equal(s.computeNotAvailableDuration(latency), duration));
  }
  it('defaults are the 4.9.8 values', () => {
    assert.deepEqual(DEFAULT_LATENCY_MAX, [50, 100, 550, 1000, 2000, 3000, 15000]);
    assert.deepEqual(DEFAULT_NOT_AVAILABLE_DURATION, [0, 0, 30000, 60000, 120000, 180000, 600000]);
  });
  it('custom tables', () => {
    const c = new FaultStrategy({ latencyMax: [10, 100], notAvailableDuration: [5, 50] });
    assert.equal(c.computeNotAvailableDuration(9), 0);
    assert.equal(c.computeNotAvailableDuration(10), 5);
    assert.equal(c.computeNotAvailableDuration(100), 50);
    assert.throws(() => new FaultStrategy({ latencyMax: [1], notAvailableDuration: [1, 2] }), RangeError);
  });
});

describe('LatencyFaultTolerance with a fake clock', () => {
  it('isolates a broker until its start timestamp, unknown brokers are available', () => {
    const clock = new FakeClock();
    const lft = new LatencyFaultTolerance(clock);
    assert.equal(lft.isAvailable('b'), true);
    lft.updateFaultItem('b', 40, 3000);
    assert.equal(lft.isAvailable('b'), false);
    clock.t += 2999;
    assert.equal(lft.isAvailable('b'), false);
    clock.t += 1;
    assert.equal(lft.isAvailable('b'), true);
    // A later update overwrites (4.9.8), even with a shorter duration.
    lft.updateFaultItem('b', 5, 0);
    assert.deepEqual(lft.faultItems(), [{ name: 'b', currentLatency: 5, startTimestamp: clock.t }]);
  });

  it('pickOneAtLeast: one item -> it; sorted available first, then latency, then start time', () => {
    const clock = new FakeClock();
    const lft = new LatencyFaultTolerance(clock, seq(0));
    assert.equal(lft.pickOneAtLeast(), undefined);
    lft.updateFaultItem('a', 10, 1000);
    assert.equal(lft.pickOneAtLeast(), 'a');
    lft.updateFaultItem('b', 500, 0); // available, slower
    lft.updateFaultItem('c', 5, 0); // available, fastest
    lft.updateFaultItem('d', 1, 9000); // unavailable
    // sorted: c (available, 5), b (available, 500), d (unavailable, 1), a (unavailable, 10)
    // half = 2; the index starts at 0 and is pre-incremented: 1 % 2 -> b, 2 % 2 -> c, 3 % 2 -> b
    assert.equal(lft.pickOneAtLeast(), 'b');
    assert.equal(lft.pickOneAtLeast(), 'c');
    assert.equal(lft.pickOneAtLeast(), 'b');
  });
});

describe('FaultStrategy.selectOneMessageQueue', () => {
  it('without fault tolerance: round robin from a random start, skipping the last broker', () => {
    const info = TopicPublishInfo.fromRouteData(
      'T',
      route([
        ['b', 2],
        ['a', 2],
      ]),
      seq(5),
    );
    assert.deepEqual(
      info.messageQueueList.map((q) => q.toString()),
      [
        'MessageQueue [topic=T, brokerName=a, queueId=0]',
        'MessageQueue [topic=T, brokerName=a, queueId=1]',
        'MessageQueue [topic=T, brokerName=b, queueId=0]',
        'MessageQueue [topic=T, brokerName=b, queueId=1]',
      ],
    );
    const s = new FaultStrategy();
    // index starts at 5, first call returns 6 -> 6 % 4 = 2
    assert.equal(s.selectOneMessageQueue(info, undefined).key(), 'T@b@0');
    assert.equal(s.selectOneMessageQueue(info, undefined).key(), 'T@b@1');
    // next index 8 -> a@0 is fine when the last broker was b
    assert.equal(s.selectOneMessageQueue(info, 'b').key(), 'T@a@0');
    // next 9 -> a@1 skipped (last a), 10 -> b@0
    assert.equal(s.selectOneMessageQueue(info, 'a').key(), 'T@b@0');
  });

  it('all queues on the last broker: falls back to plain round robin', () => {
    const info = TopicPublishInfo.fromRouteData('T', route([['a', 2]]), seq(0));
    const s = new FaultStrategy();
    const picked = [0, 1, 2].map(() => s.selectOneMessageQueue(info, 'a').key());
    assert.ok(picked.every((k) => k.startsWith('T@a@')));
  });

  it('with fault tolerance: isolated brokers are skipped until the isolation ends', () => {
    const clock = new FakeClock();
    const s = new FaultStrategy({ sendLatencyFaultEnable: true, clock, random: seq(0, 0) });
    const info = TopicPublishInfo.fromRouteData(
      'T',
      route([
        ['a', 1],
        ['b', 1],
      ]),
      seq(0),
    );
    s.updateFaultItem('a', 12, true); // failed: isolation latency 30000 -> 600000 ms
    for (let i = 0; i < 6; i++) assert.equal(s.selectOneMessageQueue(info, undefined).brokerName, 'b');
    s.updateFaultItem('b', 3, false); // fast success: duration 0
    clock.t += 600_000;
    const brokers = new Set([0, 1, 2, 3].map(() => s.selectOneMessageQueue(info, undefined).brokerName));
    assert.deepEqual([...brokers].sort(), ['a', 'b']);
  });

  it('with fault tolerance and every broker isolated: picks one at least', () => {
    const clock = new FakeClock();
    const s = new FaultStrategy({ sendLatencyFaultEnable: true, clock, random: seq(0) });
    const info = TopicPublishInfo.fromRouteData(
      'T',
      route([
        ['a', 4],
        ['b', 4],
      ]),
      seq(0),
    );
    s.updateFaultItem('a', 700, false); // 30 s
    s.updateFaultItem('b', 2500, false); // 120 s
    const mq = s.selectOneMessageQueue(info, undefined);
    assert.ok(mq instanceof MessageQueue);
    // Two items -> half = 1 -> always the best one: a (lower latency).
    assert.equal(mq.brokerName, 'a');
    assert.ok(mq.queueId >= 0 && mq.queueId < 4);
  });

  it('slow but successful sends isolate by latency', () => {
    const clock = new FakeClock();
    const s = new FaultStrategy({ sendLatencyFaultEnable: true, clock });
    s.updateFaultItem('a', 600, false);
    assert.equal(s.latencyFaultTolerance.isAvailable('a'), false);
    clock.t += 30_000;
    assert.equal(s.latencyFaultTolerance.isAvailable('a'), true);
    // disabled strategy records nothing
    const off = new FaultStrategy({ clock });
    off.updateFaultItem('a', 60_000, true);
    assert.equal(off.latencyFaultTolerance.faultItems().length, 0);
  });
});
