/**
 * Topic table of one broker (Java TopicConfigManager): system topics made at start, auto-creation from
 * the `defaultTopic` template (TBW102), retry/DLQ topics created on demand, admin updates and deletes.
 * Every change bumps the data version, is handed to `persist` (that one topic: the cost of a change
 * does not grow with the table), and tells the broker to re-register.
 */
import { RequestRefusedError } from '../../../common/errors.js';
import { Perm } from '../../../protocol/codes/misc.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import {
  RETRY_GROUP_TOPIC_PREFIX,
  SystemTopic,
  topicNameProblem,
} from '../../../protocol/message/validators.js';
import type { DataVersion, TopicConfig } from '../../../protocol/body/topic-config.js';
import { makeTopicConfig, nextDataVersion } from '../../../protocol/body/topic-config.js';
import { topicConfigProblem } from './request-checks.js';

export interface TopicTableSnapshot {
  dataVersion: DataVersion;
  topicConfigTable: Map<string, TopicConfig>;
}

/** One change of the table, as handed to `persist`. */
export type TopicChange = { put: TopicConfig } | { deleted: string };

export interface TopicConfigManagerOptions {
  brokerName: string;
  clusterName: string;
  autoCreateTopicEnable: boolean;
  defaultTopicQueueNums: number;
  clusterTopicEnable: boolean;
  brokerTopicEnable: boolean;
  /** The message-trace topic made at start (Java traceTopicEnable / msgTraceTopicName), if any. */
  traceTopic?: string | undefined;
  /** Records one change for topics.json; called after every change, with the table's new version. */
  persist?: (change: TopicChange, dataVersion: DataVersion) => void;
  /** Called after a topic was created or changed, so the broker re-registers with the name servers. */
  onChanged?: (created: TopicConfig | undefined) => void;
}

/** Number of queues of SCHEDULE_TOPIC_XXXX (one per delay level). */
export const SCHEDULE_TOPIC_QUEUE_NUM = 18;
export const REPLY_TOPIC_POSTFIX = 'REPLY_TOPIC';

export type { DataVersion };

/** What makes a saved entry unusable: an illegal name or a queue count that is not a count. */
function poisonOf(name: string, config: TopicConfig): string | undefined {
  const problem = topicNameProblem(name);
  if (problem !== undefined) return problem;
  const counts = [config.readQueueNums, config.writeQueueNums];
  if (counts.some((n) => !Number.isInteger(n) || n < 0)) return `queue counts ${counts.join('/')}`;
  return undefined;
}

export class TopicConfigManager {
  readonly table = new Map<string, TopicConfig>();
  /** Names this broker treats as system topics (the built-in set plus the ones added at start). */
  readonly systemTopics = new Set<string>(Object.values(SystemTopic));
  dataVersion: DataVersion = { timestamp: Date.now(), counter: 0 };

  constructor(private readonly options: TopicConfigManagerOptions) {
    this.addSystemTopics();
  }

  private addSystem(config: TopicConfig): void {
    this.systemTopics.add(config.topicName);
    this.table.set(config.topicName, config);
  }

  /** The topics a 4.9.8 broker makes at start (reference §12.5), same queue counts and perms. */
  private addSystemTopics(): void {
    const o = this.options;
    const rw = Perm.READ | Perm.WRITE;
    this.addSystem(
      makeTopicConfig(SystemTopic.RMQ_SYS_SELF_TEST_TOPIC, { readQueueNums: 1, writeQueueNums: 1 }),
    );
    if (o.autoCreateTopicEnable) {
      this.addSystem(
        makeTopicConfig(SystemTopic.AUTO_CREATE_TOPIC_KEY_TOPIC, {
          readQueueNums: o.defaultTopicQueueNums,
          writeQueueNums: o.defaultTopicQueueNums,
          perm: Perm.INHERIT | rw,
        }),
      );
    }
    this.addSystem(
      makeTopicConfig(SystemTopic.RMQ_SYS_BENCHMARK_TOPIC, { readQueueNums: 1024, writeQueueNums: 1024 }),
    );
    this.addSystem(makeTopicConfig(o.clusterName, { perm: Perm.INHERIT | (o.clusterTopicEnable ? rw : 0) }));
    this.addSystem(
      makeTopicConfig(o.brokerName, {
        readQueueNums: 1,
        writeQueueNums: 1,
        perm: Perm.INHERIT | (o.brokerTopicEnable ? rw : 0),
      }),
    );
    this.addSystem(
      makeTopicConfig(SystemTopic.RMQ_SYS_OFFSET_MOVED_EVENT, { readQueueNums: 1, writeQueueNums: 1 }),
    );
    this.addSystem(
      makeTopicConfig(SystemTopic.RMQ_SYS_SCHEDULE_TOPIC, {
        readQueueNums: SCHEDULE_TOPIC_QUEUE_NUM,
        writeQueueNums: SCHEDULE_TOPIC_QUEUE_NUM,
      }),
    );
    if (o.traceTopic !== undefined) {
      this.addSystem(makeTopicConfig(o.traceTopic, { readQueueNums: 1, writeQueueNums: 1 }));
    }
    this.addSystem(
      makeTopicConfig(`${o.clusterName}_${REPLY_TOPIC_POSTFIX}`, { readQueueNums: 1, writeQueueNums: 1 }),
    );
  }

  /**
   * Merges a persisted table (topics.json) over the built-in topics, as Java's load() does: persisted
   * entries win, system topics not in the file stay. Entries no peer would accept (an illegal name or
   * a negative queue count, saved by older versions) are left out and returned with the reason, so
   * the broker can say so; the next save drops them from the file.
   */
  load(snapshot: TopicTableSnapshot | undefined): { topic: string; problem: string }[] {
    const dropped: { topic: string; problem: string }[] = [];
    if (!snapshot) return dropped;
    for (const [name, config] of snapshot.topicConfigTable) {
      const problem = this.systemTopics.has(name) ? undefined : poisonOf(name, config);
      if (problem !== undefined) dropped.push({ topic: name, problem });
      else this.table.set(name, { ...config, topicName: name });
    }
    this.dataVersion = { ...snapshot.dataVersion };
    if (this.options.autoCreateTopicEnable) {
      // A TBW102 saved while auto-create was off lost INHERIT; restore the template.
      const tbw = this.table.get(SystemTopic.AUTO_CREATE_TOPIC_KEY_TOPIC);
      if (tbw) tbw.perm |= Perm.INHERIT | Perm.READ | Perm.WRITE;
    }
    return dropped;
  }

  isSystemTopic(topic: string): boolean {
    return this.systemTopics.has(topic) || topic.startsWith('rmq_sys_');
  }

  select(topic: string): TopicConfig | undefined {
    return this.table.get(topic);
  }

  isOrderTopic(topic: string): boolean {
    return this.table.get(topic)?.order ?? false;
  }

  snapshot(): TopicTableSnapshot {
    return { dataVersion: { ...this.dataVersion }, topicConfigTable: new Map(this.table) };
  }

  private nextVersion(): void {
    this.dataVersion = nextDataVersion(this.dataVersion, Date.now());
  }

  private changed(change: TopicChange): void {
    this.nextVersion();
    this.options.persist?.(change, this.dataVersion);
    this.options.onChanged?.('put' in change ? change.put : undefined);
  }

  /**
   * Java createTopicInSendMessageMethod, without storing: the config a send for an unknown topic
   * would create from the template `defaultTopic` when that template exists and carries INHERIT:
   * min(requested, template write queues) queues (not below 0), the template's perm without INHERIT
   * and its filter type. The existing config when the topic is known; undefined when none can be made.
   */
  planInSendMessage(
    topic: string,
    defaultTopic: string,
    requestedQueueNums: number,
    topicSysFlag: number,
  ): TopicConfig | undefined {
    const existing = this.table.get(topic);
    if (existing) return existing;
    const template = this.table.get(defaultTopic);
    if (!template) return undefined;
    if (defaultTopic === SystemTopic.AUTO_CREATE_TOPIC_KEY_TOPIC && !this.options.autoCreateTopicEnable) {
      template.perm = Perm.READ | Perm.WRITE;
    }
    if ((template.perm & Perm.INHERIT) === 0) return undefined;
    const queueNums = Math.max(0, Math.min(requestedQueueNums, template.writeQueueNums));
    return makeTopicConfig(topic, {
      readQueueNums: queueNums,
      writeQueueNums: queueNums,
      perm: template.perm & ~Perm.INHERIT,
      topicSysFlag,
      topicFilterType: template.topicFilterType,
    });
  }

  /** planInSendMessage, stored. */
  createInSendMessage(
    topic: string,
    defaultTopic: string,
    requestedQueueNums: number,
    topicSysFlag: number,
  ): TopicConfig | undefined {
    const config = this.planInSendMessage(topic, defaultTopic, requestedQueueNums, topicSysFlag);
    return config && this.adopt(config);
  }

  /** Java createTopicInSendMessageBackMethod, without storing: retry / DLQ topics, fixed queues and perm. */
  planInSendMessageBack(topic: string, queueNums: number, perm: number, topicSysFlag: number): TopicConfig {
    return (
      this.table.get(topic) ??
      makeTopicConfig(topic, { readQueueNums: queueNums, writeQueueNums: queueNums, perm, topicSysFlag })
    );
  }

  /** planInSendMessageBack, stored. */
  createInSendMessageBack(topic: string, queueNums: number, perm: number, topicSysFlag: number): TopicConfig {
    return this.adopt(this.planInSendMessageBack(topic, queueNums, perm, topicSysFlag));
  }

  /**
   * Stores a planned config unless its topic exists meanwhile (the existing one is returned then).
   * Planning and adopting apart lets a request finish its checks before anything is stored.
   */
  adopt(config: TopicConfig): TopicConfig {
    const existing = this.table.get(config.topicName);
    if (existing) return existing;
    this.guard(config);
    this.table.set(config.topicName, config);
    this.changed({ put: config });
    return config;
  }

  /** UPDATE_AND_CREATE_TOPIC: replaces or adds the config. */
  update(config: TopicConfig): void {
    this.guard(config);
    const copy = { ...config };
    this.table.set(config.topicName, copy);
    this.changed({ put: copy });
  }

  /** The last check before a topic is stored: handlers refuse first, with their own codes. */
  private guard(config: TopicConfig): void {
    const problem = topicConfigProblem(config);
    if (problem !== undefined) throw new RequestRefusedError(ResponseCode.INVALID_PARAMETER, problem);
  }

  /**
   * Java updateOrderTopicConfig: the topics of the name server's ORDER_TOPIC_CONFIG (sent back with
   * each registration) become ordered here when this broker has them; nothing is ever un-ordered, as
   * in 5.3.3 (4.9.8 also cleared `order` on every topic missing from that table). Saved like any
   * change, without a new registration (the next one carries the flag).
   */
  markOrderTopics(topics: Iterable<string>): string[] {
    const marked: string[] = [];
    for (const topic of topics) {
      const config = this.table.get(topic);
      if (config === undefined || config.order) continue;
      const copy = { ...config, order: true };
      this.table.set(topic, copy);
      this.nextVersion();
      this.options.persist?.({ put: copy }, this.dataVersion);
      marked.push(topic);
    }
    return marked;
  }

  delete(topic: string): boolean {
    if (!this.table.delete(topic)) return false;
    this.changed({ deleted: topic });
    return true;
  }

  /** Retry topic name of a consumer group. */
  static retryTopic(group: string): string {
    return RETRY_GROUP_TOPIC_PREFIX + group;
  }
}
