/**
 * Body codecs by compression type: golden bodies written by Java's own codecs (java.util.zip Deflater
 * level 5, lz4-java 1.8.0 LZ4FrameOutputStream, zstd-jni 1.5.2 ZstdOutputStream level 5, as RocketMQ's
 * ZlibCompressor / Lz4Compressor / ZstdCompressor call them) in test/fixtures/codecs, round trips, hostile
 * input, the sysFlag bits and the typed errors for a codec that is missing.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BodyDecompressError, CompressionCodecUnavailableError } from '../../src/common/codec-errors.js';
import {
  compressedSysFlag,
  compressMessageBody,
  decompressMessageBody,
  overrideCodecEnvironment,
  parseCompressionType,
  prepareCompressionCodec,
} from '../../src/protocol/message/codecs.js';
import type { CompressionType } from '../../src/protocol/message/constants.js';
import { compressionTypeOf, MessageSysFlag } from '../../src/protocol/message/constants.js';
import { encodeMessageRecord, decodeMessageRecord } from '../../src/protocol/message/record.js';
import { messageExtFromRecord } from '../../src/protocol/message/message.js';
import { xxhash32 } from '../../src/protocol/message/lz4/xxhash32.js';
import { zstdDecodedSizeBound, zstdWithBoundedWindows } from '../../src/protocol/message/zstd-frame.js';
import { IllegalArgumentError } from '../../src/common/errors.js';
import { Producer } from '../../src/client/producer/producer.js';
import type { ProducerOptions } from '../../src/client/producer/producer-options.js';
import { Prng } from '../helpers/prng.js';
import { byTier } from '../helpers/tier.js';

const FIXTURES = new URL('../fixtures/codecs/', import.meta.url);
const NAMES = ['text-8k', 'mixed-100k', 'random-1k', 'empty'] as const;
const EXT: Record<CompressionType, string> = { ZLIB: 'zlib', LZ4: 'lz4', ZSTD: 'zstd' };
const TYPES: CompressionType[] = ['ZLIB', 'LZ4', 'ZSTD'];
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));

afterEach(() => overrideCodecEnvironment(undefined));

describe('golden bodies from Java codecs', () => {
  for (const type of TYPES) {
    it(`${type}: every Java body decodes to its input`, () => {
      for (const name of NAMES) {
        const raw = fixture(`${name}.raw`);
        assert.deepEqual(decompressMessageBody(fixture(`${name}.${EXT[type]}`), type), raw, name);
      }
    });
  }

  it('ZLIB at level 5 is what Java writes (byte for byte up to 8 KiB; larger may pick other matches)', () => {
    for (const name of ['text-8k', 'random-1k', 'empty']) {
      assert.deepEqual(compressMessageBody(fixture(`${name}.raw`), 'ZLIB', 5), fixture(`${name}.zlib`), name);
    }
    // Node bundles Chromium's zlib, whose match finder differs from the system zlib Java uses on
    // larger inputs: same header (78 5E), same Adler-32, a valid stream either way.
    const ours = compressMessageBody(fixture('mixed-100k.raw'), 'ZLIB', 5);
    const java = fixture('mixed-100k.zlib');
    assert.deepEqual([ours.subarray(0, 2), ours.subarray(-4)], [java.subarray(0, 2), java.subarray(-4)]);
  });

  it("LZ4 is framed as lz4-java's LZ4FrameOutputStream (FLG 0x60, BD 0x70, HC 0x73, end mark, no checksum)", () => {
    for (const name of NAMES) {
      const ours = compressMessageBody(fixture(`${name}.raw`), 'LZ4', 5);
      const java = fixture(`${name}.lz4`);
      assert.deepEqual(ours.subarray(0, 7), java.subarray(0, 7), name);
      assert.deepEqual(ours.subarray(-4), Buffer.alloc(4), name);
    }
    // Incompressible input is a stored block (high bit of the block size), the same bytes as Java's.
    assert.deepEqual(compressMessageBody(fixture('random-1k.raw'), 'LZ4', 5), fixture('random-1k.lz4'));
    assert.deepEqual(compressMessageBody(Buffer.alloc(0), 'LZ4', 5), fixture('empty.lz4'));
  });

  it('xxhash32 matches the reference vectors', () => {
    assert.equal(xxhash32(new Uint8Array(0)), 0x02cc5d05);
    assert.equal(xxhash32(Buffer.from('abc')), 0x32d153ff);
    assert.equal(xxhash32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f);
  });
});

describe('round trips', () => {
  it('random bodies of every codec and several levels decode to themselves', async () => {
    await prepareCompressionCodec('ZSTD');
    const rnd = new Prng(11);
    for (let n = 0; n < byTier(12, 200); n++) {
      const size = rnd.int(4) === 0 ? rnd.range(0, 20) : rnd.range(0, 40_000);
      const body = Buffer.alloc(size);
      for (let i = 0; i < size;) {
        if (i > 8 && rnd.int(3) === 0) {
          const back = rnd.range(1, Math.min(i, 40_000));
          for (let k = rnd.range(4, 300); k > 0 && i < size; k--, i++) body[i] = body[i - back]!;
        } else body[i++] = rnd.int(4) === 0 ? rnd.int(256) : 97 + rnd.int(3);
      }
      for (const type of TYPES) {
        const level = type === 'ZLIB' ? rnd.range(0, 9) : rnd.range(1, 9);
        const packed = compressMessageBody(body, type, level);
        assert.deepEqual(decompressMessageBody(packed, type), body, `${type} size ${size}`);
      }
    }
  });

  it('LZ4 spans several 4 MiB blocks and overlapping matches', () => {
    const body = Buffer.alloc(4 * 1024 * 1024 + 17);
    for (let i = 0; i < body.length; i++) body[i] = (i % 3 === 0 ? i >>> 10 : i % 7) & 0xff;
    const packed = compressMessageBody(body, 'LZ4', 5);
    assert.ok(packed.length < body.length / 4);
    assert.deepEqual(decompressMessageBody(packed, 'LZ4'), body);
    const run = Buffer.alloc(100_000, 'x');
    assert.deepEqual(decompressMessageBody(compressMessageBody(run, 'LZ4', 5), 'LZ4'), run);
  });
});

/** An LZ4 frame with the given FLG bits (content size / checksums) around `payload`'s blocks. */
function lz4FrameWith(
  payload: Buffer,
  flags: { contentSize?: boolean; contentChecksum?: boolean; blockChecksum?: boolean },
): Buffer {
  const plain = compressMessageBody(payload, 'LZ4', 5);
  const flg =
    0x60 |
    (flags.blockChecksum ? 0x10 : 0) |
    (flags.contentSize ? 0x08 : 0) |
    (flags.contentChecksum ? 0x04 : 0);
  const descriptor = [Buffer.from([flg, 0x70])];
  if (flags.contentSize) {
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(payload.length));
    descriptor.push(size);
  }
  const desc = Buffer.concat(descriptor);
  const hc = Buffer.from([(xxhash32(desc) >>> 8) & 0xff]);
  const parts = [plain.subarray(0, 4), desc, hc];
  let ip = 7;
  for (;;) {
    const word = plain.readUInt32LE(ip);
    parts.push(plain.subarray(ip, ip + 4));
    if (word === 0) break;
    const data = plain.subarray(ip + 4, ip + 4 + (word & 0x7fffffff));
    parts.push(data);
    if (flags.blockChecksum) parts.push(u32le(xxhash32(data)));
    ip += 4 + data.length;
  }
  if (flags.contentChecksum) parts.push(u32le(xxhash32(payload)));
  return Buffer.concat(parts);
}

function u32le(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

describe('hostile and corrupt bodies', () => {
  const text = fixture('text-8k.raw');

  it('LZ4 frames with content size and checksums decode, and a wrong checksum is refused', () => {
    const full = lz4FrameWith(text, { contentSize: true, contentChecksum: true, blockChecksum: true });
    assert.deepEqual(decompressMessageBody(full, 'LZ4'), text);
    const bad = Buffer.from(full);
    bad[bad.length - 1]! ^= 1;
    assert.throws(() => decompressMessageBody(bad, 'LZ4'), /content checksum/);
    const badHeader = Buffer.from(full);
    badHeader[6]! ^= 1;
    assert.throws(() => decompressMessageBody(badHeader, 'LZ4'), /header checksum|content size/);
  });

  for (const type of TYPES) {
    it(`${type}: every truncation and garbage are BodyDecompressError, never a body`, () => {
      const packed = fixture(`text-8k.${EXT[type]}`);
      for (let cut = 0; cut < packed.length; cut += type === 'ZLIB' ? 37 : 1) {
        assert.throws(
          () => decompressMessageBody(packed.subarray(0, cut), type),
          (e: unknown) => e instanceof BodyDecompressError && e.compressionType === type && !e.retriable,
          `${type} cut at ${cut}`,
        );
      }
      assert.throws(
        () => decompressMessageBody(Buffer.from('definitely not compressed'), type),
        BodyDecompressError,
      );
    });

    it(`${type}: the output ceiling is enforced`, async () => {
      await prepareCompressionCodec(type);
      const packed = compressMessageBody(Buffer.alloc(200_000), type, 5);
      assert.equal(decompressMessageBody(packed, type, { maxOutputLength: 200_000 }).length, 200_000);
      assert.throws(
        () => decompressMessageBody(packed, type, { maxOutputLength: 199_999 }),
        BodyDecompressError,
      );
    });
  }

  it('LZ4: an offset before the start of the output is refused', () => {
    // token 0x10 (1 literal, match 4), literal 'a', offset 2 > 1 byte of output.
    const block = Buffer.from([0x10, 0x61, 0x02, 0x00]);
    const frame = Buffer.concat([fixture('empty.lz4').subarray(0, 7), u32le(block.length), block, u32le(0)]);
    assert.throws(() => decompressMessageBody(frame, 'LZ4'), /bad LZ4 match offset 2/);
  });

  it('ZSTD: a frame of RLE blocks claiming gigabytes is refused before decoding', () => {
    // FHD 0 + window descriptor, then 40,000 RLE blocks of 128 KiB each (4 bytes apiece).
    const blocks: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58])];
    const rle = (last: boolean): Buffer => {
      const header = ((128 * 1024) << 3) | (1 << 1) | (last ? 1 : 0);
      return Buffer.from([header & 0xff, (header >>> 8) & 0xff, header >>> 16, 0x41]);
    };
    for (let i = 0; i < 40_000; i++) blocks.push(rle(i === 39_999));
    const bomb = Buffer.concat(blocks);
    assert.equal(zstdDecodedSizeBound(bomb), 40_000 * 128 * 1024);
    assert.throws(() => decompressMessageBody(bomb, 'ZSTD'), /over the limit/);
    // A window of 1 GiB declared for 8 KiB of output: decoded without allocating the window.
    const hugeWindow = Buffer.from(fixture('text-8k.zstd'));
    assert.equal(hugeWindow[5], 0x58); // Java's 2 MiB window (windowLog 21 at level 5)
    hugeWindow[5] = 0xa0;
    const before = process.memoryUsage().arrayBuffers;
    assert.deepEqual(decompressMessageBody(hugeWindow, 'ZSTD'), fixture('text-8k.raw'));
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
    assert.equal(zstdWithBoundedWindows(hugeWindow)[5], 7 << 3); // 128 KiB: one compressed block at most
    // A header claiming more than its blocks can hold is corrupt.
    const liar = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0xff, 0xff, 0xff, 0x7f, 0x01, 0x00, 0x00]);
    assert.throws(() => decompressMessageBody(liar, 'ZSTD'), BodyDecompressError);
  });
});

describe('sysFlag compression bits', () => {
  it('a compressed body carries COMPRESSED plus the type bits (Java CompressionType.getCompressionFlag)', () => {
    assert.equal(compressedSysFlag('LZ4'), 0x101);
    assert.equal(compressedSysFlag('ZSTD'), 0x201);
    assert.equal(compressedSysFlag('ZLIB'), 0x301);
    for (const type of TYPES) assert.equal(compressionTypeOf(compressedSysFlag(type)), type);
    assert.equal(compressionTypeOf(MessageSysFlag.COMPRESSED), 'ZLIB'); // before 4.9.4: no type bits
    assert.equal(parseCompressionType(' lz4 '), 'LZ4');
    assert.equal(parseCompressionType('Zstd'), 'ZSTD');
    assert.equal(parseCompressionType('gzip'), undefined);
  });

  const stored = (body: Buffer, sysFlag: number): ReturnType<typeof decodeMessageRecord> =>
    decodeMessageRecord(
      encodeMessageRecord({
        topic: 'Orders',
        queueId: 3,
        flag: 0,
        queueOffset: 41n,
        physicalOffset: 9000n,
        sysFlag,
        bornTimestamp: 1,
        bornHost: { ip: '10.0.0.1', port: 1 },
        storeTimestamp: 2,
        storeHost: { ip: '127.0.0.1', port: 10911 },
        reconsumeTimes: 0,
        preparedTransactionOffset: 0n,
        body,
        properties: '',
      }),
    );

  it('messages decode by their type bits; the COMPRESSED bit is cleared, the type bits kept', () => {
    for (const type of TYPES) {
      const ext = messageExtFromRecord(stored(fixture(`mixed-100k.${EXT[type]}`), compressedSysFlag(type)));
      assert.deepEqual(ext.body, fixture('mixed-100k.raw'));
      assert.equal(ext.sysFlag, compressedSysFlag(type) & ~1);
    }
  });

  it('an unknown type value, or a body in the wrong codec, throws with the message position', () => {
    assert.throws(
      () => messageExtFromRecord(stored(fixture('text-8k.zlib'), 0x401)),
      (e: unknown) => e instanceof BodyDecompressError && /unknown compression type 4/.test(e.message),
    );
    assert.throws(
      () => messageExtFromRecord(stored(fixture('text-8k.zstd'), compressedSysFlag('LZ4'))),
      (e: unknown) =>
        e instanceof BodyDecompressError &&
        e.location?.queueOffset === 41n &&
        /LZ4 message body \(message at Orders queue 3 offset 41\)/.test(e.message),
    );
  });
});

describe('a codec that is not there', () => {
  const without = (): void => overrideCodecEnvironment({ nativeZstd: undefined, load: () => undefined });

  it('ZSTD without node:zlib zstd nor fzstd: CompressionCodecUnavailableError naming fzstd, with the position', () => {
    without();
    const record = encodeMessageRecord({
      topic: 'T',
      queueId: 0,
      flag: 0,
      queueOffset: 7n,
      physicalOffset: 0n,
      sysFlag: 0x201,
      bornTimestamp: 1,
      bornHost: { ip: '10.0.0.1', port: 1 },
      storeTimestamp: 2,
      storeHost: { ip: '127.0.0.1', port: 1 },
      reconsumeTimes: 0,
      preparedTransactionOffset: 0n,
      body: fixture('text-8k.zstd'),
      properties: '',
    });
    assert.throws(
      () => messageExtFromRecord(decodeMessageRecord(record)),
      (e: unknown) =>
        e instanceof CompressionCodecUnavailableError &&
        e.code === 10101 &&
        e.packageName === 'fzstd' &&
        e.location?.queueOffset === 7n &&
        /no ZSTD decoder available \(message at T queue 0 offset 7\): install the optional package fzstd/.test(
          e.message,
        ),
    );
    // zlib and LZ4 need nothing optional.
    assert.deepEqual(decompressMessageBody(fixture('text-8k.lz4'), 'LZ4'), fixture('text-8k.raw'));
  });

  it('ZSTD encoding without the WebAssembly package names @bokuweb/zstd-wasm', async () => {
    without();
    assert.throws(() => compressMessageBody(Buffer.from('x'), 'ZSTD', 5), /@bokuweb\/zstd-wasm/);
    await assert.rejects(
      prepareCompressionCodec('ZSTD'),
      (e: unknown) => e instanceof CompressionCodecUnavailableError && e.packageName === '@bokuweb/zstd-wasm',
    );
  });

  it('producer options: compressType and compressLevel are validated, a missing encoder refused at construction', () => {
    const make = (extra: Partial<ProducerOptions>): Producer =>
      new Producer({ producerGroup: 'pg', nameServer: '127.0.0.1:9876', ...extra });
    assert.equal(make({ compressType: 'lz4', compressLevel: 100 }).config.compressType, 'LZ4');
    assert.equal(make({}).config.compressType, 'ZLIB');
    assert.throws(
      () => make({ compressType: 'gzip' as 'ZLIB' }),
      /compressType must be 'ZLIB', 'LZ4' or 'ZSTD'/,
    );
    assert.throws(
      () => make({ compressType: 'ZSTD', compressLevel: 23 }),
      /integer 1..22 for compressType ZSTD/,
    );
    assert.throws(() => make({ compressLevel: 1.5 }), IllegalArgumentError);
    without();
    assert.throws(
      () => make({ compressType: 'zstd' }),
      (e: unknown) => e instanceof CompressionCodecUnavailableError && e.packageName === '@bokuweb/zstd-wasm',
    );
    assert.equal(make({ compressType: 'lz4' }).config.compressLevel, 5);
  });

  it('a WebAssembly module that fails to load is a typed error, and a later start tries again', async () => {
    let attempts = 0;
    const broken = { init: () => Promise.reject(new Error(`wasm missing ${++attempts}`)) };
    overrideCodecEnvironment({
      nativeZstd: undefined,
      load: (name) => (name === 'fzstd' ? undefined : broken),
    });
    for (const n of [1, 2]) {
      await assert.rejects(
        prepareCompressionCodec('ZSTD'),
        (e: unknown) =>
          e instanceof CompressionCodecUnavailableError &&
          e.message.includes(`@bokuweb/zstd-wasm failed to load (wasm missing ${n})`),
      );
    }
  });

  it("node:zlib's zstd is preferred where the running Node has it", () => {
    const calls: string[] = [];
    overrideCodecEnvironment({
      nativeZstd: {
        zstdCompressSync: (data, o) => (calls.push(`c${o.params[100]}`), Buffer.from(data)),
        zstdDecompressSync: (data, o) => (calls.push(`d${o.maxOutputLength}`), Buffer.from(data)),
        constants: { ZSTD_c_compressionLevel: 100 },
      },
      load: () => assert.fail('no optional package is loaded when node:zlib has zstd'),
    });
    compressMessageBody(Buffer.from('x'), 'ZSTD', 7);
    decompressMessageBody(Buffer.from('x'), 'ZSTD', { maxOutputLength: 9 });
    assert.deepEqual(calls, ['c7', 'd9']);
  });
});
