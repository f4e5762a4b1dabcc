/**
 * Compiled SQL92 subscriptions of consumer groups (Java ConsumerFilterManager, 4.9.8): one entry per
 * (topic, group), registered from every heartbeat and versioned by the subscription's subVersion. An
 * older or equal version never replaces a newer one; a changed expression of a newer version is
 * compiled anew, and when it does not compile the entry is removed (the pull then answers
 * FILTER_DATA_NOT_EXIST, Java's "Your expression may be wrong!"). Tag subscriptions have no entry.
 * Pulls that carry their own expression (subscription flag) compile through a small cache of recent
 * expressions, as Java's SelectorParser keeps one (100 entries), failures included.
 */
import type { SubscriptionData } from '../../../protocol/body/heartbeat.js';
import {
  compileSql92,
  ExpressionType,
  isTagExpressionType,
  Sql92SyntaxError,
} from '../../../protocol/filter/index.js';
import type { Sql92Selector } from '../../../protocol/filter/index.js';

export interface ConsumerFilter {
  readonly topic: string;
  readonly group: string;
  readonly expression: string;
  readonly expressionType: string;
  /** subVersion of the subscription it was registered from (Java clientVersion). */
  clientVersion: number;
  readonly selector: Sql92Selector;
}

const PARSE_CACHE_SIZE = 100;

/**
 * Compiles as the broker must: Java-compatible (what follows a complete expression is ignored, as a
 * Java broker ignores it). Only SQL92 has a compiler (Java FilterFactory knows no other type).
 */
export function compileForBroker(expression: string, type: string): Sql92Selector {
  if (type !== ExpressionType.SQL92) {
    throw new Sql92SyntaxError(expression, 0, `no filter of expression type ${type}: use TAG or SQL92`);
  }
  return compileSql92(expression, { trailing: 'ignore' });
}

export class ConsumerFilterTable {
  private readonly byTopic = new Map<string, Map<string, ConsumerFilter>>();
  private readonly parseCache = new Map<string, Sql92Selector | Sql92SyntaxError>();

  get(topic: string, group: string): ConsumerFilter | undefined {
    return this.byTopic.get(topic)?.get(group);
  }

  get size(): number {
    let n = 0;
    for (const groups of this.byTopic.values()) n += groups.size;
    return n;
  }

  /** A heartbeat's subscriptions of `group`: entries of topics it no longer subscribes are dropped. */
  register(group: string, subscriptions: readonly SubscriptionData[]): void {
    const topics = new Set<string>();
    for (const sub of subscriptions) {
      topics.add(sub.topic);
      if (isTagExpressionType(sub.expressionType) || sub.subString.length === 0) {
        this.remove(sub.topic, group);
      } else {
        this.registerOne(group, sub);
      }
    }
    for (const [topic, groups] of this.byTopic) {
      if (groups.has(group) && !topics.has(topic)) this.remove(topic, group);
    }
  }

  /** The group is gone (its last consumer unregistered). */
  unregisterGroup(group: string): void {
    for (const topic of [...this.byTopic.keys()]) this.remove(topic, group);
  }

  /**
   * Drops the entries of groups `isLive` denies (no consumer connected any more): Java marks them dead
   * and cleans them later; a group that comes back registers again with its next heartbeat.
   */
  retainGroups(isLive: (group: string) => boolean): void {
    for (const [topic, groups] of [...this.byTopic]) {
      for (const group of [...groups.keys()]) if (!isLive(group)) groups.delete(group);
      if (groups.size === 0) this.byTopic.delete(topic);
    }
  }

  /** Compiles a pull's own expression; throws Sql92SyntaxError. */
  compileCached(expression: string, type: string): Sql92Selector {
    const key = `${type}\u0000${expression}`;
    let hit = this.parseCache.get(key);
    if (hit === undefined) {
      try {
        hit = compileForBroker(expression, type);
      } catch (err) {
        if (!(err instanceof Sql92SyntaxError)) throw err;
        hit = err;
      }
      if (this.parseCache.size >= PARSE_CACHE_SIZE) {
        this.parseCache.delete(this.parseCache.keys().next().value!);
      }
    } else {
      this.parseCache.delete(key); // re-inserted below: most recently used last
    }
    this.parseCache.set(key, hit);
    if (hit instanceof Sql92SyntaxError) throw hit;
    return hit;
  }

  private registerOne(group: string, sub: SubscriptionData): void {
    const old = this.get(sub.topic, group);
    if (old && sub.subVersion <= old.clientVersion) return;
    if (old && old.expression === sub.subString && old.expressionType === sub.expressionType) {
      old.clientVersion = sub.subVersion;
      return;
    }
    let selector: Sql92Selector;
    try {
      selector = this.compileCached(sub.subString, sub.expressionType);
    } catch (err) {
      if (!(err instanceof Sql92SyntaxError)) throw err;
      this.remove(sub.topic, group);
      return;
    }
    let groups = this.byTopic.get(sub.topic);
    if (!groups) {
      groups = new Map();
      this.byTopic.set(sub.topic, groups);
    }
    groups.set(group, {
      topic: sub.topic,
      group,
      expression: sub.subString,
      expressionType: sub.expressionType,
      clientVersion: sub.subVersion,
      selector,
    });
  }

  private remove(topic: string, group: string): void {
    const groups = this.byTopic.get(topic);
    if (!groups?.delete(group)) return;
    if (groups.size === 0) this.byTopic.delete(topic);
  }
}
