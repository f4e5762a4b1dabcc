/** Typed errors for malformed frames and headers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameTooLargeError, ProtocolError } from '../../src/common/errors.js';
import {
  decodeBinaryHeader,
  decodeJsonHeader,
  encodeBinaryHeader,
} from '../../src/protocol/command/index.js';
import { createRequest } from '../../src/protocol/command/index.js';
import {
  decodeFrame,
  decodeFramePayload,
  encodeFrame,
  FrameDecoder,
} from '../../src/protocol/frame/index.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/[^0-9a-f]/gi, ''), 'hex');
const isProtocolError = (err: unknown): boolean => err instanceof ProtocolError;

/** A binary header: fixed part (code 1, JAVA, version 409, opaque 2, flag 0) then `rest`. */
const binaryHeader = (rest: string): Buffer => hex(`0001 00 0199 00000002 00000000 ${rest}`);

describe('frame decoder errors', () => {
  it('rejects a declared length above the maximum before buffering it', () => {
    const decoder = new FrameDecoder(100);
    assert.throws(
      () => decoder.push(hex('00000065')),
      (err: unknown) =>
        err instanceof FrameTooLargeError && err.declaredLength === 101 && err.maxFrameLength === 100,
    );
    assert.equal(decoder.bufferedBytes, 0);
    // The decoder stays failed: the connection must be closed.
    assert.throws(() => decoder.push(hex('00')), isProtocolError);
  });

  it('accepts a frame of exactly the maximum length', () => {
    const frame = encodeFrame(createRequest(1, { body: Buffer.alloc(50) }), 1);
    const decoder = new FrameDecoder(frame.length - 4);
    assert.equal(decoder.pushCommands(frame).length, 1);
  });

  it('rejects a negative length', () => {
    assert.throws(() => new FrameDecoder(100).push(hex('ffffffff')), FrameTooLargeError);
    assert.throws(() => new FrameDecoder(100).push(hex('80000000 00')), FrameTooLargeError);
  });

  it('rejects a length too small to hold the header-length field', () => {
    for (const length of ['00000000', '00000003']) {
      assert.throws(
        () => new FrameDecoder(100).push(hex(length)),
        (err: unknown) => isProtocolError(err) && !(err instanceof FrameTooLargeError),
      );
    }
  });

  it('rejects a header length larger than the frame', () => {
    assert.throws(() => new FrameDecoder().pushCommands(hex('00000006 00000003 7b7d')), isProtocolError);
    assert.throws(() => decodeFrame(hex('00000004 00ffffff')), isProtocolError);
  });

  it('rejects an unknown serialize type', () => {
    assert.throws(
      () => new FrameDecoder().pushCommands(hex('00000006 02000002 7b7d')),
      (err: unknown) => isProtocolError(err) && /serialize type 2/.test((err as Error).message),
    );
    assert.throws(() => decodeFrame(hex('00000006 ff000002 7b7d')), isProtocolError);
  });

  it('drops the frames after a bad one and stays failed', () => {
    const good = encodeFrame(createRequest(1), 0);
    const decoder = new FrameDecoder();
    assert.throws(
      () => decoder.pushCommands(Buffer.concat([hex('00000006 02000002 7b7d'), good])),
      isProtocolError,
    );
    assert.equal(decoder.bufferedBytes, 0);
    assert.throws(() => decoder.pushCommands(good), isProtocolError);
  });

  it('rejects a whole frame whose prefix does not match its size', () => {
    assert.throws(() => decodeFrame(hex('00000007 00000002 7b7d')), isProtocolError);
    assert.throws(() => decodeFrame(hex('0000')), isProtocolError);
    assert.throws(() => decodeFramePayload(hex('000000')), isProtocolError);
  });

  it('refuses a bad maximum', () => {
    assert.throws(() => new FrameDecoder(3), RangeError);
    assert.throws(() => new FrameDecoder(1.5), RangeError);
  });
});

describe('JSON header errors', () => {
  const bad = [
    '',
    '{',
    '{"code":1,}',
    'null',
    '[]',
    '"text"',
    '{"code":"x"}',
    '{"code":1.5}',
    '{"opaque":99999999999}',
    '{"code":1e400}',
    '{"language":true}',
    '{"language":{}}',
    '{"remark":5}',
    '{"extFields":[]}',
    '{"extFields":"a"}',
    '{"extFields":{"a":{}}}',
    '{"extFields":{"a":[1]}}',
  ];
  for (const text of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(() => decodeJsonHeader(Buffer.from(text)), isProtocolError);
    });
  }

  it('rejects invalid bytes that do not parse, through the frame decoder', () => {
    assert.throws(() => new FrameDecoder().pushCommands(hex('00000006 00000002 7bff')), isProtocolError);
  });

  it('survives deeply nested JSON', () => {
    const deep = `{"x":${'['.repeat(200000)}${']'.repeat(200000)}}`;
    assert.doesNotThrow(() => decodeJsonHeader(Buffer.from(deep)));
    assert.throws(() => decodeJsonHeader(Buffer.from(`{"x":${'['.repeat(200000)}}`)), isProtocolError);
  });
});

describe('ROCKETMQ header errors', () => {
  const cases: [string, Buffer][] = [
    ['shorter than the fixed part', hex('0001 00 0199 00000002 00000000 000000')],
    ['remark length beyond the header', binaryHeader('00000005 6162 00000000')],
    ['negative remark length', binaryHeader('ffffffff 00000000')],
    ['truncated before the ext length', binaryHeader('00000002 6162 0000')],
    ['ext length beyond the header', binaryHeader('00000000 00000009 0001 61 00000000')],
    ['negative ext length', binaryHeader('00000000 ffffffff')],
    ['truncated key length', binaryHeader('00000000 00000001 00')],
    ['negative key length', binaryHeader('00000000 00000007 ffff 00000000 00')],
    ['key beyond the ext block', binaryHeader('00000000 00000006 0009 61 000000')],
    ['value beyond the ext block', binaryHeader('00000000 00000008 0001 61 00000005 31')],
    ['negative value length', binaryHeader('00000000 00000008 0001 61 ffffffff 31')],
    ['trailing bytes', binaryHeader('00000000 00000000 00')],
  ];
  for (const [name, header] of cases) {
    it(`rejects: ${name}`, () => {
      assert.throws(() => decodeBinaryHeader(header), isProtocolError);
      const frame = Buffer.concat([Buffer.alloc(8), header]);
      frame.writeInt32BE(frame.length - 4, 0);
      frame.writeInt32BE((1 << 24) | header.length, 4);
      assert.throws(() => new FrameDecoder().pushCommands(frame), isProtocolError);
    });
  }

  it('refuses to encode codes that do not fit int16', () => {
    assert.throws(() => encodeBinaryHeader(createRequest(200050)), isProtocolError);
    assert.doesNotThrow(() => encodeFrame(createRequest(200050), 0));
  });
});
