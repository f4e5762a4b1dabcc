/**
 * Producer and consumer connections known to a broker (Java ProducerManager / ConsumerManager /
 * ConsumerGroupInfo): filled by HEART_BEAT, emptied by UNREGISTER_CLIENT, channel close, or when a
 * channel sends no heartbeat for `channelExpiredTimeoutMillis` (the channel is then closed).
 */
import type { ConsumerData, SubscriptionData } from '../../../protocol/body/heartbeat.js';
import type { RemotingChannel } from '../../../transport/types.js';

export interface ClientChannelInfo {
  channel: RemotingChannel;
  clientId: string;
  language: string;
  version: number;
  lastUpdate: number;
  /**
   * With access control on, what the account that signed the connection's last heartbeat may do: a
   * transaction check (the whole half message) goes only to a producer allowed to publish its topic.
   */
  mayAccess?: ((resource: string, action: 'PUB' | 'SUB') => boolean) | undefined;
}

export type { ConsumerData, SubscriptionData };

export interface ConsumerGroupInfo {
  groupName: string;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  /** Keyed by channel id. */
  channels: Map<number, ClientChannelInfo>;
  subscriptions: Map<string, SubscriptionData>;
}

export interface ClientManagerOptions {
  channelExpiredTimeoutMillis: number;
  /** Told when the set of consumers of a group changed (Java ConsumerGroupEvent.CHANGE). */
  onConsumerIdsChanged?: (group: string, channels: RemotingChannel[]) => void;
  now?: () => number;
}

export class ClientManager {
  readonly producers = new Map<string, Map<number, ClientChannelInfo>>();
  readonly consumers = new Map<string, ConsumerGroupInfo>();
  /** Client id -> the connection of its latest producer heartbeat (Java clientChannelTable). */
  private readonly producerChannelByClient = new Map<string, RemotingChannel>();
  private readonly now: () => number;

  constructor(private readonly options: ClientManagerOptions) {
    this.now = options.now ?? Date.now;
  }

  registerProducer(group: string, info: Omit<ClientChannelInfo, 'lastUpdate'>): void {
    let channels = this.producers.get(group);
    if (!channels) {
      channels = new Map();
      this.producers.set(group, channels);
    }
    channels.set(info.channel.id, { ...info, lastUpdate: this.now() });
    this.producerChannelByClient.set(info.clientId, info.channel);
  }

  private forgetProducerChannel(channel: RemotingChannel): void {
    for (const [clientId, latest] of this.producerChannelByClient) {
      if (latest === channel) this.producerChannelByClient.delete(clientId);
    }
  }

  unregisterProducer(group: string, channel: RemotingChannel): void {
    const channels = this.producers.get(group);
    if (!channels) return;
    channels.delete(channel.id);
    if (channels.size === 0) this.producers.delete(group);
    this.forgetProducerChannel(channel);
  }

  /**
   * The open connection of the producer client `clientId` (Java ProducerManager.findChannel), where
   * replies to its requests are pushed: the connection of its latest heartbeat, as Java's
   * clientChannelTable.put on every registration; when that one is gone (Java then finds nothing until
   * the next heartbeat), any other open producer connection of the client. Undefined when none.
   */
  findProducerChannel(clientId: string): RemotingChannel | undefined {
    const latest = this.producerChannelByClient.get(clientId);
    if (latest !== undefined && !latest.closed) return latest;
    for (const channels of this.producers.values()) {
      for (const info of channels.values()) {
        if (info.clientId === clientId && !info.channel.closed) return info.channel;
      }
    }
    return undefined;
  }

  /** Returns true when the group's channels or subscriptions changed (then consumers are told). */
  registerConsumer(
    data: ConsumerData,
    info: Omit<ClientChannelInfo, 'lastUpdate'>,
    notify: boolean,
  ): boolean {
    let group = this.consumers.get(data.groupName);
    if (!group) {
      group = {
        groupName: data.groupName,
        consumeType: data.consumeType ?? 'CONSUME_PASSIVELY',
        messageModel: data.messageModel ?? 'CLUSTERING',
        consumeFromWhere: data.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET',
        channels: new Map(),
        subscriptions: new Map(),
      };
      this.consumers.set(data.groupName, group);
    }
    group.consumeType = data.consumeType ?? group.consumeType;
    group.messageModel = data.messageModel ?? group.messageModel;
    group.consumeFromWhere = data.consumeFromWhere ?? group.consumeFromWhere;
    const now = this.now();
    let changed = false;
    const old = group.channels.get(info.channel.id);
    if (!old) {
      group.channels.set(info.channel.id, { ...info, lastUpdate: now });
      changed = true;
    } else {
      old.clientId = info.clientId;
      old.lastUpdate = now;
    }
    const topics = new Set<string>();
    for (const sub of data.subscriptionDataSet) {
      topics.add(sub.topic);
      const prev = group.subscriptions.get(sub.topic);
      if (!prev) {
        group.subscriptions.set(sub.topic, sub);
        changed = true;
      } else if (sub.subVersion > prev.subVersion) {
        group.subscriptions.set(sub.topic, sub);
      }
    }
    for (const topic of [...group.subscriptions.keys()]) {
      if (!topics.has(topic)) {
        group.subscriptions.delete(topic);
        changed = true;
      }
    }
    if (changed && notify) this.tellMembers(group);
    return changed;
  }

  unregisterConsumer(groupName: string, channel: RemotingChannel, notify: boolean): void {
    const group = this.consumers.get(groupName);
    if (!group) return;
    group.channels.delete(channel.id);
    if (group.channels.size === 0) this.consumers.delete(groupName);
    if (notify) this.tellMembers(group);
  }

  consumerGroup(group: string): ConsumerGroupInfo | undefined {
    return this.consumers.get(group);
  }

  /** Client ids of a group's consumers, in registration order. */
  consumerIds(group: string): string[] {
    const info = this.consumers.get(group);
    return info ? [...info.channels.values()].map((c) => c.clientId) : [];
  }

  /**
   * ConsumerGroupEvent.CHANGE: the members rebalance. Not for a BROADCASTING group (Java 5.x), whose
   * members each consume every queue whoever else is there.
   */
  private tellMembers(group: ConsumerGroupInfo): void {
    if (group.messageModel === 'BROADCASTING') return;
    this.options.onConsumerIdsChanged?.(
      group.groupName,
      [...group.channels.values()].map((c) => c.channel),
    );
  }

  /** A connection closed: forget it everywhere and tell the remaining consumers of its groups. */
  onChannelClosed(channel: RemotingChannel): void {
    for (const [group, channels] of this.producers) {
      if (channels.delete(channel.id) && channels.size === 0) this.producers.delete(group);
    }
    this.forgetProducerChannel(channel);
    for (const [name, group] of this.consumers) {
      if (!group.channels.delete(channel.id)) continue;
      if (group.channels.size === 0) this.consumers.delete(name);
      this.tellMembers(group);
    }
  }

  /** Drops (and closes) channels without a heartbeat for too long. Returns how many were dropped. */
  scanNotActive(): number {
    const deadline = this.now() - this.options.channelExpiredTimeoutMillis;
    let dropped = 0;
    const expire = (info: ClientChannelInfo): boolean => {
      if (info.lastUpdate >= deadline) return false;
      info.channel.close('client channel expired (no heartbeat)');
      this.forgetProducerChannel(info.channel);
      dropped++;
      return true;
    };
    for (const [group, channels] of this.producers) {
      for (const [id, info] of channels) if (expire(info)) channels.delete(id);
      if (channels.size === 0) this.producers.delete(group);
    }
    for (const [name, group] of this.consumers) {
      for (const [id, info] of group.channels) if (expire(info)) group.channels.delete(id);
      if (group.channels.size === 0) this.consumers.delete(name);
    }
    return dropped;
  }
}
