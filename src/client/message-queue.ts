/**
 * MessageQueue: one (topic, brokerName, queueId) triple. Queue ids are per broker, so two queues are
 * equal only when all three parts are.
 */

/** A queue id (0-based, per broker), branded so it cannot be mixed up with a broker id. */
export type QueueId = number & { readonly __brand?: 'QueueId' };

/** One queue of a topic on one broker: (topic, brokerName, queueId). */
export class MessageQueue {
  constructor(
    /** Topic (with the namespace prefix when one is set). */
    readonly topic: string,
    /** Name of the broker holding the queue. */
    readonly brokerName: string,
    /** Queue id, 0-based, per broker. */
    readonly queueId: QueueId,
  ) {}

  /** Stable string key for maps: `topic@brokerName@queueId`. */
  key(): string {
    return `${this.topic}@${this.brokerName}@${this.queueId}`;
  }

  /** True when topic, broker name and queue id are all equal. */
  equals(other: MessageQueue | undefined | null): boolean {
    return (
      !!other &&
      other.topic === this.topic &&
      other.brokerName === this.brokerName &&
      other.queueId === this.queueId
    );
  }

  /** Same text as Java's `MessageQueue.toString()`. */
  toString(): string {
    return `MessageQueue [topic=${this.topic}, brokerName=${this.brokerName}, queueId=${this.queueId}]`;
  }
}
