/**
 * Hostile header sizes (issue 10, defect 6): a header's bytes and its field count are capped well
 * below the frame limit, in both header forms, before the costly decoding; the refusal is a typed
 * HeaderLimitError (MESSAGE_ILLEGAL) that carries the request's opaque so the peer can be answered.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderLimitError } from '../../src/common/errors.js';
import { DEFAULT_MAX_HEADER_FIELDS, DEFAULT_MAX_HEADER_LENGTH } from '../../src/protocol/codes/misc.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { createRequest, createResponse } from '../../src/protocol/command/index.js';
import { decodeFramePayload, encodeFrame, FrameDecoder } from '../../src/protocol/frame/index.js';

/** The payload (bytes after the length prefix) of a frame whose JSON header is `text`. */
function jsonPayload(text: string): Buffer {
  const header = Buffer.from(text, 'utf8');
  const payload = Buffer.alloc(4 + header.length);
  payload.writeInt32BE(header.length, 0);
  header.copy(payload, 4);
  return payload;
}

function fields(count: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < count; i++) out[`k${i}`] = 'v';
  return out;
}

function payloadOf(frame: Buffer): Buffer {
  return frame.subarray(4);
}

function isLimit(limit: HeaderLimitError['limit'], opaque?: number) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof HeaderLimitError, String(err));
    assert.equal(err.limit, limit);
    assert.equal(err.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.equal(err.answerOpaque, opaque);
    return true;
  };
}

describe('header field cap', () => {
  const max = DEFAULT_MAX_HEADER_FIELDS;
  for (const [form, type] of [
    ['JSON', SerializeType.JSON],
    ['ROCKETMQ', SerializeType.ROCKETMQ],
  ] as const) {
    it(`${form}: ${max} fields decode, ${max + 1} are refused with the request's opaque`, () => {
      const ok = encodeFrame(createRequest(10, { extFields: fields(max), opaque: 7 }), type);
      assert.equal(Object.keys(decodeFramePayload(payloadOf(ok)).extFields!).length, max);
      const bad = encodeFrame(createRequest(10, { extFields: fields(max + 1), opaque: 7 }), type);
      assert.throws(() => decodeFramePayload(payloadOf(bad)), isLimit('headerFields', 7));
    });
  }

  it('JSON read by the general path (whitespace, nested keys) is capped too', () => {
    const ext = Object.keys(fields(max + 1))
      .map((k) => `"${k}": "v"`)
      .join(', ');
    const spaced = `{ "code": 10, "opaque": 3, "extFields": { ${ext} } }`;
    assert.throws(() => decodeFramePayload(jsonPayload(spaced)), isLimit('headerFields', 3));
    // Keys hidden in an unknown nested object count as well (they cost the same to parse): beyond the
    // cap plus the eight top-level keys of a header.
    const hidden = Object.keys(fields(max + 9))
      .map((k) => `"${k}":"v"`)
      .join(',');
    const nested = `{"code":10,"x":{${hidden}},"flag":0,"opaque":4}`;
    assert.throws(() => decodeFramePayload(jsonPayload(nested)), isLimit('headerFields', 4));
    // Colons inside strings are not keys.
    const colons = `{ "code": 10, "remark": "${':'.repeat(5000)}", "opaque": 5 }`;
    assert.equal(decodeFramePayload(jsonPayload(colons)).remark, ':'.repeat(5000));
  });

  it('a response or a oneway request over the cap has no one to answer', () => {
    const response = createResponse(0, { extFields: fields(max + 1), opaque: 9 });
    assert.throws(() => decodeFramePayload(payloadOf(encodeFrame(response))), isLimit('headerFields'));
    const oneway = createRequest(10, { extFields: fields(max + 1), opaque: 9 });
    oneway.flag = 2;
    assert.throws(
      () => decodeFramePayload(payloadOf(encodeFrame(oneway, SerializeType.ROCKETMQ))),
      isLimit('headerFields'),
    );
  });

  it('a million keys in a 13 MiB header are refused at the field cap, not after reading them all (that took ~6 s)', () => {
    // Key 1,100 is followed by bytes that are not JSON: a decoder that stops at the cap (1,024 fields)
    // refuses with HeaderLimitError; one that read on would fail on the garbage with another error.
    // (No timing: the position of the refusal proves the early stop.)
    const parts: string[] = [];
    for (let i = 0; i < 1_000_000; i++) parts.push(i === 1_100 ? `"k${i}":!not json!` : `"k${i}":"v"`);
    const big = jsonPayload(`{"code":10,"extFields":{${parts.join(',')}},"flag":0,"opaque":1}`);
    // The header-length cap alone refuses it; the field cap must stop it as well (a raised length cap).
    assert.throws(() => decodeFramePayload(big), isLimit('headerLength', 1));
    assert.throws(
      () => decodeFramePayload(big, { maxHeaderLength: 16 * 1024 * 1024, maxHeaderFields: max }),
      isLimit('headerFields', 1),
    );
  });
});

describe('header length cap', () => {
  it(`a header over ${DEFAULT_MAX_HEADER_LENGTH} bytes is refused before it is parsed, in both forms`, () => {
    const remark = 'r'.repeat(DEFAULT_MAX_HEADER_LENGTH);
    for (const type of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
      const frame = encodeFrame(createRequest(10, { remark, opaque: 11 }), type);
      assert.throws(() => decodeFramePayload(payloadOf(frame)), isLimit('headerLength', 11));
    }
  });

  it('the largest SEND_MESSAGE_V2 a Java client can send (32767-char properties) is accepted', () => {
    // Java refuses properties longer than Short.MAX_VALUE chars; control characters are the worst
    // case on the wire (fastjson writes each as a 6-byte \u00XX escape).
    const properties = '\u0001'.repeat(32_767);
    const extFields = {
      a: 'PG',
      b: 'TopicTest',
      c: 'TBW102',
      d: '4',
      e: '0',
      f: '0',
      g: String(Date.now()),
      h: '0',
      i: properties,
      j: '0',
      k: 'false',
      l: '16',
      m: 'false',
      n: 'broker-a',
    };
    for (const type of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
      const frame = encodeFrame(createRequest(310, { extFields, remark: 'x'.repeat(64 * 1024) }), type);
      assert.equal(decodeFramePayload(payloadOf(frame)).extFields?.i, properties);
    }
  });

  it('the frame decoder takes its limits and fails like on any bad frame', () => {
    const decoder = new FrameDecoder(1024 * 1024, { maxHeaderLength: 1000, maxHeaderFields: 4 });
    const good = encodeFrame(createRequest(10, { extFields: fields(4), opaque: 1 }));
    const tooMany = encodeFrame(createRequest(10, { extFields: fields(5), opaque: 2 }));
    assert.equal(decoder.pushCommands(good).length, 1);
    assert.throws(() => decoder.pushCommands(tooMany), isLimit('headerFields', 2));
    const long = new FrameDecoder(1024 * 1024, { maxHeaderLength: 100 });
    assert.throws(
      () => long.pushCommands(encodeFrame(createRequest(10, { remark: 'r'.repeat(100), opaque: 3 }))),
      isLimit('headerLength', 3),
    );
  });
});
