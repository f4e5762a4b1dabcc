/**
 * Body codec throughput: `npm run bench:codecs` [-- --size BYTES --rounds N].
 *
 * For a JSON-like body (the shape most RocketMQ bodies have) and the 100 KiB mixed fixture, prints per
 * codec (zlib level 5, LZ4, ZSTD level 5) the compressed ratio and compress / decompress MB/s, with
 * the implementation that ran (node:zlib, built-in LZ4, fzstd / @bokuweb/zstd-wasm or node:zlib zstd).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as zlib from 'node:zlib';
import {
  compressMessageBody,
  decompressMessageBody,
  prepareCompressionCodec,
} from '../src/protocol/message/codecs.js';
import type { CompressionType } from '../src/protocol/message/constants.js';
import { jsonBody } from './json-body.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: String(256 * 1024) },
    rounds: { type: 'string', default: '20' },
  },
});
const size = Number(values.size);
const rounds = Number(values.rounds);

function mbps(bytes: number, ms: number): string {
  return (bytes / 1e6 / (ms / 1e3)).toFixed(0).padStart(6);
}

const zstdImpl = 'zstdCompressSync' in zlib ? 'node:zlib' : 'fzstd decode, @bokuweb/zstd-wasm encode';
const implementation: Record<CompressionType, string> = {
  ZLIB: 'node:zlib',
  LZ4: 'built-in',
  ZSTD: zstdImpl,
};

await prepareCompressionCodec('ZSTD');
const inputs: [string, Buffer][] = [
  [`json ${size} B`, jsonBody(size)],
  ['mixed-100k fixture', readFileSync(new URL('../test/fixtures/codecs/mixed-100k.raw', import.meta.url))],
];
console.log(`codec  input                ratio  compress MB/s  decompress MB/s  implementation`);
for (const [name, body] of inputs) {
  for (const type of ['ZLIB', 'LZ4', 'ZSTD'] as const) {
    let packed = compressMessageBody(body, type, 5);
    decompressMessageBody(packed, type);
    let t = performance.now();
    for (let r = 0; r < rounds; r++) packed = compressMessageBody(body, type, 5);
    const cms = performance.now() - t;
    t = performance.now();
    for (let r = 0; r < rounds; r++) decompressMessageBody(packed, type);
    const dms = performance.now() - t;
    const ratio = (body.length / packed.length).toFixed(2).padStart(5);
    console.log(
      `${type.padEnd(6)} ${name.padEnd(20)} ${ratio}  ${mbps(body.length * rounds, cms)}         ${mbps(body.length * rounds, dms)}           ${implementation[type]}`,
    );
  }
}
