/**
 * Raw broker requests for broker tests (no producer / consumer needed): SEND_MESSAGE(_V2), batches,
 * PULL_MESSAGE and a few lookups, built with the header tables and sent with RemotingClient.
 */
import { RemotingClient } from '../../src/transport/index.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { SendMessageRequestHeader } from '../../src/protocol/headers/send.js';
import { PullMessageRequestHeader } from '../../src/protocol/headers/pull.js';
import { CreateTopicRequestHeader } from '../../src/protocol/headers/admin.js';
import { encodeProperties } from '../../src/protocol/message/properties.js';
import { encodeBatch } from '../../src/protocol/message/batch.js';
import { decodeMessageRecords } from '../../src/protocol/message/record.js';
import type { MessageRecord } from '../../src/protocol/message/record.js';

export const TIMEOUT = 5000;

export interface SendSpec {
  topic: string;
  body?: Buffer | string;
  properties?: Record<string, string>;
  queueId?: number;
  code?: number;
  producerGroup?: string;
  defaultTopic?: string;
  defaultTopicQueueNums?: number;
  sysFlag?: number;
  flag?: number;
  reconsumeTimes?: number;
  maxReconsumeTimes?: number;
  /** Raw extFields to merge over the encoded header. */
  extra?: Record<string, string>;
}

export function sendRequest(spec: SendSpec): RemotingCommand {
  const code = spec.code ?? RequestCode.SEND_MESSAGE_V2;
  const header: SendMessageRequestHeader = {
    producerGroup: spec.producerGroup ?? 'PG_TEST',
    topic: spec.topic,
    defaultTopic: spec.defaultTopic ?? 'TBW102',
    defaultTopicQueueNums: spec.defaultTopicQueueNums ?? 4,
    queueId: spec.queueId ?? 0,
    sysFlag: spec.sysFlag ?? 0,
    bornTimestamp: Date.now(),
    flag: spec.flag ?? 0,
    properties: encodeProperties(spec.properties ?? { WAIT: 'true' }),
    reconsumeTimes: spec.reconsumeTimes ?? 0,
    unitMode: false,
    batch: code === RequestCode.SEND_BATCH_MESSAGE,
    ...(spec.maxReconsumeTimes !== undefined && { maxReconsumeTimes: spec.maxReconsumeTimes }),
  };
  const extFields = {
    ...SendMessageRequestHeader.encode(header, { v2: code !== RequestCode.SEND_MESSAGE }),
    ...spec.extra,
  };
  const body = spec.body === undefined ? Buffer.from('hello') : Buffer.from(spec.body);
  return createRequest(code, { extFields, body });
}

export function send(client: RemotingClient, addr: string, spec: SendSpec): Promise<RemotingCommand> {
  return client.invokeSync(addr, sendRequest(spec), TIMEOUT);
}

export function sendBatch(
  client: RemotingClient,
  addr: string,
  topic: string,
  entries: { body: string | Buffer; properties: Record<string, string> }[],
  spec: Partial<SendSpec> = {},
): Promise<RemotingCommand> {
  const body = encodeBatch(entries.map((e) => ({ body: e.body, properties: e.properties })));
  return send(client, addr, {
    topic,
    code: RequestCode.SEND_BATCH_MESSAGE,
    body,
    properties: { WAIT: 'true' },
    ...spec,
  });
}

export interface PullSpec {
  topic: string;
  queueId?: number;
  offset: bigint;
  group?: string;
  maxMsgNums?: number;
  sysFlag?: number;
  suspendTimeoutMillis?: number;
  subscription?: string;
  commitOffset?: bigint;
  expressionType?: string;
}

/** PULL_MESSAGE with the SUBSCRIPTION flag (no heartbeat needed) unless `sysFlag` says otherwise. */
export function pull(
  client: RemotingClient,
  addr: string,
  spec: PullSpec,
  timeout = TIMEOUT,
): Promise<RemotingCommand> {
  const extFields = PullMessageRequestHeader.encode({
    consumerGroup: spec.group ?? 'CG_TEST',
    topic: spec.topic,
    queueId: spec.queueId ?? 0,
    queueOffset: spec.offset,
    maxMsgNums: spec.maxMsgNums ?? 32,
    sysFlag: spec.sysFlag ?? 0x4,
    commitOffset: spec.commitOffset ?? 0n,
    suspendTimeoutMillis: spec.suspendTimeoutMillis ?? 0,
    subscription: spec.subscription ?? '*',
    subVersion: 0,
    expressionType: spec.expressionType ?? 'TAG',
  });
  return client.invokeSync(addr, createRequest(RequestCode.PULL_MESSAGE, { extFields }), timeout);
}

export function records(response: RemotingCommand): MessageRecord[] {
  return response.body ? decodeMessageRecords(response.body) : [];
}

/** Pulls a whole queue from `from` up to its end (bounded). */
export async function pullAll(
  client: RemotingClient,
  addr: string,
  topic: string,
  queueId: number,
  from = 0n,
): Promise<MessageRecord[]> {
  const out: MessageRecord[] = [];
  let offset = from;
  for (let round = 0; round < 100_000; round++) {
    const r = await pull(client, addr, { topic, queueId, offset, maxMsgNums: 32 });
    if (r.code !== 0) break;
    const batch = records(r);
    out.push(...batch);
    offset = BigInt(r.extFields?.nextBeginOffset ?? '0');
  }
  return out;
}

export function request(
  client: RemotingClient,
  addr: string,
  code: number,
  extFields: Record<string, string> = {},
  body?: Buffer,
): Promise<RemotingCommand> {
  return client.invokeSync(addr, createRequest(code, { extFields, ...(body && { body }) }), TIMEOUT);
}

/** UPDATE_AND_CREATE_TOPIC on one broker: `queues` read and write queues, perm RW, from TBW102. */
export function createTopic(
  client: RemotingClient,
  addr: string,
  topic: string,
  queues: number,
): Promise<RemotingCommand> {
  return request(
    client,
    addr,
    RequestCode.UPDATE_AND_CREATE_TOPIC,
    CreateTopicRequestHeader.encode({
      topic,
      defaultTopic: 'TBW102',
      readQueueNums: queues,
      writeQueueNums: queues,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
      order: false,
    }),
  );
}

export function newClient(): RemotingClient {
  return new RemotingClient({ connectTimeoutMillis: 3000 });
}
