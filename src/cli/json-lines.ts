/**
 * `--json` output of the CLI: one JSON object per line (NDJSON), so that `jq` and scripts read it line
 * by line while the command runs. Bigints (offsets) print as strings, since JSON numbers lose
 * precision past 2^53; a body prints as text when it is valid, printable UTF-8, else as base64 with
 * `bodyEncoding: "base64"`.
 */
import type { MessageExt } from '../protocol/message/index.js';

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value, replacer)}\n`;
}

/** Printable when it round-trips as UTF-8 and has no control characters but tab / newline / CR. */
function isPrintableText(body: Buffer): boolean {
  const text = body.toString('utf8');
  return (
    Buffer.byteLength(text, 'utf8') === body.length &&
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/.test(text)
  );
}

/** The JSON form of a consumed message. */
export function messageJson(m: MessageExt, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const text = isPrintableText(m.body);
  return {
    topic: m.topic,
    brokerName: m.brokerName,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    msgId: m.msgId,
    offsetMsgId: m.offsetMsgId,
    tags: m.tags,
    keys: m.keys,
    reconsumeTimes: m.reconsumeTimes,
    bornTimestamp: m.bornTimestamp,
    storeTimestamp: m.storeTimestamp,
    properties: m.properties,
    ...extra,
    body: text ? m.body.toString('utf8') : m.body.toString('base64'),
    ...(!text && { bodyEncoding: 'base64' }),
  };
}
