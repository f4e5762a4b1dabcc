/**
 * Caps of the broker's client tables, broker options with defaults no real client reaches (Java has
 * none). Without them one heartbeat could name 10,000 new groups (each auto-creating a subscription
 * group and a %RETRY% topic, saved in topics.json and sent with every registration) and a lock
 * request could store 65,536 locks per group, growing memory and freezing the single event loop.
 * A request beyond a cap is refused whole, with a remark naming the cap; nothing of it is kept. The
 * exception: a heartbeat's new groups beyond maxSubscriptionGroups are skipped (and logged), the rest
 * of the heartbeat counts, so a full table does not stop a client's known groups from being refreshed.
 */
export interface ClientTableLimits {
  /** Consumer groups, and producer groups, in one HEART_BEAT (a client instance sends one per consumer / producer it runs). */
  maxHeartbeatGroups: number;
  /** Subscriptions of one consumer group in a heartbeat (one per subscribed topic, plus its retry topic). */
  maxSubscriptionsPerGroup: number;
  /**
   * Subscription groups the broker keeps (auto-created ones included, each with its retry topic) and
   * consumer groups it tracks connections of; a request that would add one more is refused, a
   * heartbeat skips the new groups beyond (registering the others).
   */
  maxSubscriptionGroups: number;
  /** Order locks held at once, all groups together (LOCK_BATCH_MQ beyond: SYSTEM_BUSY). */
  maxRebalanceLocks: number;
}

export const DEFAULT_CLIENT_TABLE_LIMITS: ClientTableLimits = Object.freeze({
  maxHeartbeatGroups: 1_000,
  maxSubscriptionsPerGroup: 1_000,
  maxSubscriptionGroups: 50_000,
  maxRebalanceLocks: 200_000,
});

/** What is wrong with the limits, or undefined. */
export function clientTableLimitsProblem(o: ClientTableLimits): string | undefined {
  for (const key of Object.keys(DEFAULT_CLIENT_TABLE_LIMITS) as (keyof ClientTableLimits)[]) {
    const value = o[key];
    if (!Number.isSafeInteger(value) || value < 1) return `${key} must be an integer >= 1, got ${value}`;
  }
  return undefined;
}
