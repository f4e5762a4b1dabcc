/**
 * A producer's publish info per wire topic (Java topicPublishInfoTable), and what its client instance
 * asks of it (Java MQProducerInner): the topics to keep fresh, whether one lacks a usable route, and
 * the new route of a topic. Also the lookup a send starts with (Java tryToFindTopicPublishInfo): the
 * topic's own route, else the TBW102 template's (auto-creation on the broker).
 */
import type { TopicRouteData } from '../../protocol/body/index.js';
import type { ProducerMember } from '../client-members.js';
import type { RandomInt } from '../clock.js';
import type { InstanceCore } from '../instance-core.js';
import { TopicPublishInfo } from '../route/topic-publish-info.js';

export interface DefaultRouteSettings {
  /** Template topic whose route stands in for a new topic (`TBW102`). */
  createTopicKey: string;
  defaultTopicQueueNums: number;
}

export class PublishInfoTable implements ProducerMember {
  readonly #infos = new Map<string, TopicPublishInfo>();

  constructor(private readonly random: RandomInt | undefined) {}

  get(topic: string): TopicPublishInfo | undefined {
    return this.#infos.get(topic);
  }

  /** Starts tracking a topic (with no queues yet) unless it is tracked already. */
  track(topic: string): void {
    if (!this.#infos.has(topic)) this.#infos.set(topic, new TopicPublishInfo(this.random));
  }

  publishTopics(): Iterable<string> {
    return this.#infos.keys();
  }

  isPublishTopicNeedUpdate(topic: string): boolean {
    const info = this.#infos.get(topic);
    return info === undefined || !info.ok();
  }

  updateTopicPublishInfo(topic: string, route: TopicRouteData): void {
    if (!this.#infos.has(topic)) return;
    const info = TopicPublishInfo.fromRouteData(topic, route, this.random);
    info.haveTopicRouterInfo = true;
    this.#infos.set(topic, info);
  }

  /** The topic's publish info, fetching its route (else the template's) when it has no queue yet. */
  async find(
    topic: string,
    instance: InstanceCore,
    defaults: DefaultRouteSettings,
  ): Promise<TopicPublishInfo | undefined> {
    let info = this.#infos.get(topic);
    if (info === undefined || !info.ok()) {
      this.track(topic);
      await instance.updateTopicRouteInfoFromNameServer(topic);
      info = this.#infos.get(topic);
    }
    if (info !== undefined && (info.haveTopicRouterInfo || info.ok())) return info;
    await instance.updateTopicRouteInfoFromNameServer(topic, { defaultRoute: defaults });
    return this.#infos.get(topic);
  }
}
