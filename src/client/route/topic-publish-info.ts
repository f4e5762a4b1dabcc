/**
 * TopicPublishInfo: the queues a producer may write to for one topic, built from the name server's
 * TopicRouteData (reference §10.4), plus the round-robin position used to pick among them.
 */
import { isWriteable, MASTER_ID } from '../../protocol/codes/misc.js';
import type { QueueData, TopicRouteData } from '../../protocol/body/route.js';
import type { RandomInt } from '../clock.js';
import { MessageQueue } from '../message-queue.js';
import { QueueIndex } from './queue-index.js';

function compareQueueData(a: QueueData, b: QueueData): number {
  // Java QueueData.compareTo: by broker name, String.compareTo (UTF-16 code units).
  return a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0;
}

export class TopicPublishInfo {
  /** True when built from an `orderTopicConf` (name server ORDER_TOPIC_CONFIG). */
  orderTopic = false;
  /** True once a real route (for this topic or the TBW102 fallback) was applied. */
  haveTopicRouterInfo = false;
  messageQueueList: MessageQueue[] = [];
  routeData: TopicRouteData | undefined;
  readonly sendWhichQueue: QueueIndex;

  constructor(random?: RandomInt) {
    this.sendWhichQueue = new QueueIndex(random);
  }

  /**
   * Java `topicRouteData2TopicPublishInfo`: the `orderTopicConf` queues in the listed order, else the
   * writable queues of every broker name that has a master, broker names sorted.
   */
  static fromRouteData(topic: string, route: TopicRouteData, random?: RandomInt): TopicPublishInfo {
    const info = new TopicPublishInfo(random);
    info.routeData = route;
    if (route.orderTopicConf !== undefined && route.orderTopicConf.length > 0) {
      for (const item of route.orderTopicConf.split(';')) {
        const [brokerName, nums] = item.split(':');
        const n = Number.parseInt(nums ?? '', 10);
        if (!brokerName || !Number.isFinite(n)) continue;
        for (let i = 0; i < n; i++) info.messageQueueList.push(new MessageQueue(topic, brokerName, i));
      }
      info.orderTopic = true;
      return info;
    }
    const queueDatas = [...route.queueDatas].sort(compareQueueData);
    for (const qd of queueDatas) {
      if (!isWriteable(qd.perm)) continue;
      const bd = route.brokerDatas.find((b) => b.brokerName === qd.brokerName);
      if (bd === undefined || !bd.brokerAddrs.has(MASTER_ID)) continue;
      for (let i = 0; i < qd.writeQueueNums; i++) {
        info.messageQueueList.push(new MessageQueue(topic, qd.brokerName, i));
      }
    }
    return info;
  }

  /** Usable: at least one queue. */
  ok(): boolean {
    return this.messageQueueList.length > 0;
  }

  /** Plain round robin. Call only when `ok()`. */
  selectOneMessageQueue(): MessageQueue {
    const n = this.messageQueueList.length;
    const pos = this.sendWhichQueue.next() % n;
    return this.messageQueueList[pos] as MessageQueue;
  }

  /**
   * Round robin skipping queues of `lastBrokerName` (the broker of the failed previous attempt); up to
   * n tries, then plain round robin (every queue is on that broker).
   */
  selectOneMessageQueueAvoiding(lastBrokerName: string | undefined): MessageQueue {
    if (lastBrokerName === undefined) return this.selectOneMessageQueue();
    const n = this.messageQueueList.length;
    for (let i = 0; i < n; i++) {
      const mq = this.messageQueueList[this.sendWhichQueue.next() % n] as MessageQueue;
      if (mq.brokerName !== lastBrokerName) return mq;
    }
    return this.selectOneMessageQueue();
  }

  /** writeQueueNums of `brokerName` when its queue data is writable, else -1 (Java getQueueIdByBroker). */
  writeQueueNumsOf(brokerName: string): number {
    for (const qd of this.routeData?.queueDatas ?? []) {
      if (isWriteable(qd.perm) && qd.brokerName === brokerName) return qd.writeQueueNums;
    }
    return -1;
  }

  toString(): string {
    return `TopicPublishInfo [orderTopic=${this.orderTopic}, messageQueueList=[${this.messageQueueList.join(', ')}], haveTopicRouterInfo=${this.haveTopicRouterInfo}]`;
  }
}
