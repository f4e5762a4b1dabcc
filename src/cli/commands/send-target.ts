/**
 * Where `rmq send` sends: the producer's default queue choice, one queue (`--queue-id N`, with
 * `--broker-name B` when several brokers have queue N), or the queue of a sharding key
 * (`--sharding-key K`, Java's SelectMessageQueueByHash). Returns the three send functions to use.
 */
import type { Producer, SendResult } from '../../client/index.js';
import type { MessageQueue } from '../../client/message-queue.js';
import type { Message } from '../../protocol/message/index.js';
import { intFlag } from '../args.js';
import { CliError } from '../cli-error.js';

export interface TargetFlags {
  'queue-id'?: string | undefined;
  'broker-name'?: string | undefined;
  'sharding-key'?: string | undefined;
}

export interface Sender {
  sync(message: Message): Promise<SendResult>;
  async(message: Message): Promise<SendResult>;
  oneway(message: Message): Promise<void>;
}

/** Checks the flags before anything connects. */
export function checkTargetFlags(flags: TargetFlags): void {
  if (flags['queue-id'] !== undefined && flags['sharding-key'] !== undefined) {
    throw new CliError('give either --queue-id or --sharding-key, not both');
  }
  if (flags['broker-name'] !== undefined && flags['queue-id'] === undefined) {
    throw new CliError('--broker-name only goes with --queue-id');
  }
  if (flags['sharding-key'] === '') throw new CliError('--sharding-key must not be empty');
  if (flags['broker-name']?.trim() === '') throw new CliError('--broker-name must not be empty');
  if (flags['queue-id'] !== undefined) intFlag('queue-id', flags['queue-id'], 0, 0, 65535);
}

async function chooseQueue(producer: Producer, topic: string, flags: TargetFlags): Promise<MessageQueue> {
  const queueId = intFlag('queue-id', flags['queue-id'], 0, 0, 65535);
  const all = await producer.fetchPublishMessageQueues(topic);
  const broker = flags['broker-name'];
  const matching = all.filter(
    (q) => q.queueId === queueId && (broker === undefined || q.brokerName === broker),
  );
  if (matching.length === 1) return matching[0] as MessageQueue;
  const known = [...new Set(all.map((q) => q.brokerName))]
    .sort()
    .map((b) => `${b}: ${all.filter((q) => q.brokerName === b).length} queues`)
    .join(', ');
  if (matching.length === 0) {
    throw new CliError(
      `topic ${topic} has no writable queue ${queueId}${broker === undefined ? '' : ` on ${broker}`} (${known || 'no route'})`,
      1,
    );
  }
  throw new CliError(
    `queue ${queueId} of ${topic} exists on several brokers (${known}): choose one with --broker-name`,
    1,
  );
}

export async function senderFor(producer: Producer, topic: string, flags: TargetFlags): Promise<Sender> {
  const key = flags['sharding-key'];
  if (key !== undefined) {
    return {
      sync: (m) => producer.sendOrderly(m, key),
      async: (m) => producer.sendOrderlyAsync(m, key),
      oneway: (m) => producer.sendOrderlyOneway(m, key),
    };
  }
  if (flags['queue-id'] !== undefined) {
    const queue = await chooseQueue(producer, topic, flags);
    return {
      sync: (m) => producer.sendToQueue(m, queue),
      async: (m) => producer.sendToQueueAsync(m, queue),
      oneway: (m) => producer.sendToQueueOneway(m, queue),
    };
  }
  return {
    sync: (m) => producer.send(m),
    async: (m) => producer.sendAsync(m),
    oneway: (m) => producer.sendOneway(m),
  };
}
