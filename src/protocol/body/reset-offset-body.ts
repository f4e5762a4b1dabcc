/**
 * ResetOffsetBody, the body of RESET_CONSUMER_CLIENT_OFFSET (220, broker -> consumer), fastjson
 * defaults: a Map<MessageQueue, Long> whose keys fastjson writes as objects:
 *   {"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:123,{...}:456}}
 * Plain JSON parsers refuse object keys, so entries are scanned one by one: a `{...}` key holding
 * no braces (a MessageQueue), a colon and an integer.
 *
 * ResetOffsetBodyForC, what a broker pushes instead to a group reset by a request in the CPP
 * language (the C++ client cannot read object keys): a list of MessageQueueForC beans,
 *   {"offsetTable":[{"brokerName":"b","offset":123,"queueId":0,"topic":"T"},...]}
 */
import { ProtocolError } from '../../common/errors.js';
import { parseFastjsonObject } from '../json/fastjson-parse.js';
import { toFastjsonBytes, toFastjsonString } from '../json/fastjson-write.js';
import { ObjectReader } from '../json/object-reader.js';
import type { MessageQueueData } from './lock-batch.js';
import { messageQueueFromJson, messageQueueToJson } from './lock-batch.js';

export interface ResetOffsetEntry extends MessageQueueData {
  offset: bigint;
}

export function encodeResetOffsetBody(entries: readonly ResetOffsetEntry[]): Buffer {
  const parts = entries.map((e) => `${toFastjsonString(messageQueueToJson(e))}:${e.offset.toString()}`);
  return Buffer.from(`{"offsetTable":{${parts.join(',')}}}`, 'utf8');
}

export function encodeResetOffsetBodyForC(entries: readonly ResetOffsetEntry[]): Buffer {
  return toFastjsonBytes({
    offsetTable: entries.map((e) => ({
      brokerName: e.brokerName,
      offset: e.offset,
      queueId: e.queueId,
      topic: e.topic,
    })),
  });
}

const ENTRY = /(\{[^{}]*\})\s*:\s*(-?\d{1,20})/g;

export function decodeResetOffsetBody(body: Uint8Array): ResetOffsetEntry[] {
  const text = Buffer.from(body).toString('utf8');
  const start = text.indexOf('"offsetTable"');
  if (!text.trimStart().startsWith('{') || start < 0) {
    throw new ProtocolError('ResetOffsetBody: expected {"offsetTable":{...}}');
  }
  const out: ResetOffsetEntry[] = [];
  for (const m of text.slice(start).matchAll(ENTRY)) {
    const mq = messageQueueFromJson(new ObjectReader(parseFastjsonObject(m[1] as string), 'MessageQueue'));
    out.push({ ...mq, offset: BigInt(m[2] as string) });
  }
  return out;
}
