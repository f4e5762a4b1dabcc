/**
 * What the request processors of a broker share: its options, the message store and the in-memory
 * tables. Built once by `Broker`; processors receive it instead of the Broker to avoid import cycles.
 */
import type { Logger } from '../../../common/logger.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import type { SocketAddress } from '../../../protocol/message/record.js';
import type { MessageStore } from '../../store/index.js';
import type { ResolvedBrokerOptions } from './broker-config.js';
import type { BrokerStats } from './broker-stats.js';
import type { ClientManager } from './client-manager.js';
import type { ConsumerFilterTable } from './consumer-filters.js';
import type { ConsumerOffsetManager, SubscriptionGroupManager } from './groups.js';
import type { RebalanceLockManager } from './rebalance-locks.js';
import type { TopicConfigManager } from './topic-config-manager.js';

export interface BrokerContext {
  readonly options: ResolvedBrokerOptions;
  readonly logger: Logger;
  readonly store: MessageStore;
  readonly topics: TopicConfigManager;
  readonly groups: SubscriptionGroupManager;
  readonly offsets: ConsumerOffsetManager;
  readonly clients: ClientManager;
  readonly locks: RebalanceLockManager;
  /** Compiled SQL92 subscriptions per (topic, group) (Java ConsumerFilterManager). */
  readonly consumerFilters: ConsumerFilterTable;
  /** Put / get counters and runtime info (GET_BROKER_RUNTIME_INFO). */
  readonly stats: BrokerStats;
  /** ip + listen port written as STOREHOST of every record (Java brokerIP1 + listenPort). */
  storeHost(): SocketAddress;
  /** "ip:port" this broker registers under. */
  brokerAddr(): string;
  /**
   * Undefined when topics.json has the topic's latest change, else settles once it has: a message
   * stored in a topic created moments ago is answered after the topic is on disk (Java writes the file
   * before answering), so an acknowledged message's topic survives a crash.
   */
  topicSaved(topic: string): Promise<void> | undefined;
  /**
   * Settles once subscriptionGroup.json has the table's latest change (Java saves it before answering
   * a group update or deletion); written in the background, so a flood of group updates does not hold
   * the event loop. Never rejects: a failure is logged and the write retried by the periodic save.
   */
  saveGroups(): Promise<void>;
  /** Delay level (1-based) → milliseconds; 0 entries when none configured. */
  readonly delayLevels: readonly number[];
  /**
   * With access control on, throws (an ACL refusal) unless the account that signed `request` may
   * publish to / subscribe to `resources` (topics, or `%RETRY%group`): for the resources a handler
   * only learns from the store (the topics of a message named by its offset). Without it, a no-op
   * that never calls a function given for `resources`.
   */
  authorize(
    request: RemotingCommand,
    resources: string | (() => readonly string[]),
    action: 'PUB' | 'SUB',
  ): void;
  /**
   * With access control on, what the account that signed `request` (a heartbeat) may do, as a check
   * kept beyond the request; undefined without access control (anything goes).
   */
  accessOf(request: RemotingCommand): ((resource: string, action: 'PUB' | 'SUB') => boolean) | undefined;
}
