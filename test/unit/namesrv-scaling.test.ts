/**
 * Work the name server does per request must not grow with brokers x topics: GET_TOPICS_BY_CLUSTER
 * walks the topic table once, and removing a broker visits only its own topics (brokerName -> topics
 * index). Counted, not timed: the table's full iterations are counted through spies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteRegistry } from '../../src/server/namesrv/route-registry.js';
import { topicsByCluster } from '../../src/server/namesrv/route-queries.js';
import { changeWritePerm, deleteTopic, registerTopic } from '../../src/server/namesrv/route-admin.js';
import { freshHashSetOrder } from '../../src/protocol/java/hash-map.js';
import { makeTopicConfig } from '../../src/protocol/body/topic-config.js';
import type { RemotingChannel } from '../../src/transport/types.js';

/** A deterministic pseudo-random sequence (tests must not depend on Math.random). */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

function channel(remoteAddress: string): RemotingChannel {
  return { remoteAddress, localAddress: '127.0.0.1:9876', id: 1, closed: false } as RemotingChannel;
}

/**
 * `brokers` broker names (b0.. in cluster C1, every fifth in C2) each holding a random subset of
 * `topics` topics, one connection each.
 */
function populated(
  topics: number,
  brokers: number,
  seed = 7,
): { r: RouteRegistry; channels: RemotingChannel[] } {
  const r = new RouteRegistry();
  const random = rng(seed);
  const channels: RemotingChannel[] = [];
  for (let b = 0; b < brokers; b++) {
    const ch = channel(`10.0.0.${b + 1}:10911`);
    channels.push(ch);
    const configs = [];
    for (let t = 0; t < topics; t++) if (random() < 0.3) configs.push(makeTopicConfig(`Topic${t}`));
    r.registerBroker({
      clusterName: b % 5 === 4 ? 'C2' : 'C1',
      brokerAddr: ch.remoteAddress,
      brokerName: `b${b}`,
      brokerId: 0,
      haServerAddr: '',
      dataVersion: { timestamp: 1, counter: 1 },
      topicConfigs: configs,
      channel: ch,
    });
  }
  return { r, channels };
}

/** Java's getTopicsByCluster, literally: for each broker name, the whole topic table, into a HashSet. */
function javaTopicsByCluster(r: RouteRegistry, cluster: string): string[] {
  const names = r.clusterAddrTable.get(cluster);
  if (names === undefined) return [];
  const added: string[] = [];
  const seen = new Set<string>();
  for (const name of names.javaKeys()) {
    for (const [topic, byBroker] of r.topicQueueTable.javaEntries()) {
      if (byBroker.has(name) && !seen.has(topic)) {
        seen.add(topic);
        added.push(topic);
      }
    }
  }
  return freshHashSetOrder(added);
}

const WALKS = [
  'javaEntries',
  'javaKeys',
  'javaValues',
  'entries',
  'keys',
  'values',
  Symbol.iterator,
] as const;

/** Counts full walks of the topic table from now on (a walk made inside another counts once). */
function countTableWalks(r: RouteRegistry): { walks: number; stop: () => void } {
  const table = r.topicQueueTable as unknown as Record<string | symbol, unknown>;
  let depth = 0;
  const counter = {
    walks: 0,
    stop: () => {
      for (const method of WALKS) delete table[method];
    },
  };
  for (const method of WALKS) {
    const original = (table[method] as () => unknown).bind(table);
    table[method] = () => {
      if (depth === 0) counter.walks++;
      depth++;
      try {
        return original();
      } finally {
        depth--;
      }
    };
  }
  return counter;
}

test('GET_TOPICS_BY_CLUSTER: Java order and content, one walk of the topic table', () => {
  const { r } = populated(600, 50);
  for (const cluster of ['C1', 'C2', 'none']) {
    const expected = javaTopicsByCluster(r, cluster);
    const counter = countTableWalks(r);
    assert.deepEqual(topicsByCluster(r, cluster), expected, cluster);
    // Java's loop (and ours before) walked the table once per broker name: 40 times for C1.
    counter.stop();
    assert.ok(counter.walks <= 1, `${cluster}: ${counter.walks} walks`);
  }
  assert.ok(javaTopicsByCluster(r, 'C1').length > 500);
});

test('closing broker connections visits only their own topics; the index follows admin changes', () => {
  const { r, channels } = populated(300, 20);
  // Admin changes go through the index too.
  deleteTopic(r, 'Topic1');
  deleteTopic(r, 'Topic2', 'C2');
  assert.ok(
    registerTopic(r, 'AdminTopic', [
      { brokerName: 'b3', readQueueNums: 1, writeQueueNums: 1, perm: 6, topicSysFlag: 0 },
    ]),
  );
  const b3Topics = [...r.topicQueueTable.entries()].filter(([, m]) => m.has('b3')).length;
  assert.equal(changeWritePerm(r, 'b3', true), b3Topics);
  const survivors = (gone: Set<string>): string[] =>
    [...r.topicQueueTable]
      .filter(([, byBroker]) => [...byBroker.keys()].some((name) => !gone.has(name)))
      .map(([t]) => t)
      .sort();

  const gone = new Set<string>();
  const counter = countTableWalks(r);
  for (let b = 0; b < 15; b++) {
    assert.equal(r.onChannelDestroy(channels[b], undefined), channels[b]!.remoteAddress);
    gone.add(`b${b}`);
  }
  // Before the index, every closed connection walked the whole topic table.
  counter.stop();
  assert.equal(counter.walks, 0);
  const left = [...r.topicQueueTable.keys()].sort();
  assert.deepEqual(left, survivors(gone));
  for (const byBroker of r.topicQueueTable.values()) {
    for (const name of byBroker.keys()) assert.ok(!gone.has(name), `${name} left in the route table`);
  }
  for (let b = 15; b < 20; b++) r.onChannelDestroy(channels[b], undefined);
  assert.equal(r.topicQueueTable.size, 0);
  assert.equal(r.topicQueueTable.topicsOf('b3').size, 0);
});
