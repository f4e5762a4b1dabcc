/**
 * Frames captured from Apache RocketMQ 4.9.8 (test/fixtures/captures) and the worked vectors of the
 * remoting reference (§2c): decode to the documented values, re-encode byte for byte.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { languageFromCode } from '../../src/protocol/codes/index.js';
import type { LanguageName } from '../../src/protocol/codes/index.js';
import { createRequest, createResponse } from '../../src/protocol/command/index.js';
import type { RemotingCommand } from '../../src/protocol/command/index.js';
import { decodeFrame, encodeFrame } from '../../src/protocol/frame/index.js';
import { loadCaptures } from '../helpers/captures.js';
import { plain } from '../helpers/commands.js';

const captures = loadCaptures();

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[^0-9a-f]/gi, ''), 'hex');
}

describe('captured frames', () => {
  it('finds all 12 captured frames', () => {
    assert.equal(captures.length, 12);
  });

  for (const capture of captures) {
    it(`${capture.name}: documented values and identical re-encoding`, () => {
      const command = decodeFrame(capture.bytes);
      const d = capture.decoded;
      assert.equal(command.serializeType, capture.serializeType);
      assert.equal(command.code, d.code);
      assert.equal(command.opaque, d.opaque);
      assert.equal(command.flag, d.flag ?? 0);
      assert.equal(command.version, d.version);
      const language =
        typeof d.language === 'number'
          ? languageFromCode(d.language)
          : (d.language as LanguageName | undefined);
      assert.equal(command.language, language ?? 'JAVA');
      assert.equal(command.remark, d.remark ?? undefined);
      const ext = (d.extFields ?? {}) as Record<string, string>;
      assert.deepEqual({ ...(command.extFields ?? {}) }, ext);
      if (capture.bodyText !== undefined) assert.equal(command.body?.toString('utf8'), capture.bodyText);
      else assert.equal(command.body, undefined);
      // The header length the frame declares is what the decoder consumed.
      assert.deepEqual(encodeFrame(command), capture.bytes);
    });

    it(`${capture.name}: survives a trip through the other header form`, () => {
      const command = decodeFrame(capture.bytes);
      const other = capture.serializeType === 0 ? 1 : 0;
      const { headerKeyOrder: _arrivalOrder, ...withoutKeyOrder } = command;
      const back = decodeFrame(encodeFrame(withoutKeyOrder, other));
      const expected = plain(command);
      // The binary form cannot tell "no extFields" from "{}".
      if (other === 1 && command.extFields && Object.keys(command.extFields).length === 0)
        expected.extFields = undefined;
      assert.deepEqual(plain(back), expected);
    });
  }
});

describe('worked vectors (remoting reference §2c)', () => {
  const request = (): RemotingCommand =>
    createRequest(105, { opaque: 7, version: 409, extFields: { topic: 'TopicTest' } });

  const jsonVector = hex(`
    00 00 00 87 00 00 00 83 7b 22 63 6f 64 65 22 3a  31 30 35 2c 22 65 78 74 46 69 65 6c 64 73 22 3a
    7b 22 74 6f 70 69 63 22 3a 22 54 6f 70 69 63 54  65 73 74 22 7d 2c 22 66 6c 61 67 22 3a 30 2c 22
    6c 61 6e 67 75 61 67 65 22 3a 22 4a 41 56 41 22  2c 22 6f 70 61 71 75 65 22 3a 37 2c 22 73 65 72
    69 61 6c 69 7a 65 54 79 70 65 43 75 72 72 65 6e  74 52 50 43 22 3a 22 4a 53 4f 4e 22 2c 22 76 65
    72 73 69 6f 6e 22 3a 34 30 39 7d`);
  const binaryVector = hex(`
    00 00 00 2d 01 00 00 29 00 69 00 01 99 00 00 00  07 00 00 00 00 00 00 00 00 00 00 00 14 00 05 74
    6f 70 69 63 00 00 00 09 54 6f 70 69 63 54 65 73  74`);
  const responseVector = hex(
    '00000023 0100001d 0011 00 0199 00000007 00000001 00000008 6e6f20726f757465 00000000 7879',
  );

  it('JSON GET_ROUTEINFO_BY_TOPIC: 139 bytes', () => {
    assert.equal(jsonVector.length, 139);
    assert.deepEqual(encodeFrame(request(), 0), jsonVector);
    const decoded = decodeFrame(jsonVector);
    assert.deepEqual(plain(decoded), plain(request()));
    assert.deepEqual(encodeFrame(decoded), jsonVector);
  });

  it('ROCKETMQ GET_ROUTEINFO_BY_TOPIC: 49 bytes', () => {
    assert.equal(binaryVector.length, 49);
    assert.deepEqual(encodeFrame(request(), 1), binaryVector);
    assert.deepEqual(plain(decodeFrame(binaryVector)), plain(request()));
  });

  it('ROCKETMQ response with remark and body', () => {
    const response = createResponse(17, {
      opaque: 7,
      version: 409,
      remark: 'no route',
      body: Buffer.from('xy'),
    });
    assert.deepEqual(encodeFrame(response, 1), responseVector);
    const decoded = decodeFrame(responseVector);
    assert.deepEqual(plain(decoded), plain(response));
    assert.equal(decoded.flag, 1);
  });

  it('a 5.3.3 sender version (479) is 01 DF', () => {
    const frame = encodeFrame(
      createRequest(105, { opaque: 7, version: 479, extFields: { topic: 'TopicTest' } }),
      1,
    );
    assert.deepEqual(frame.subarray(11, 13), Buffer.from([0x01, 0xdf]));
  });
});
