/**
 * The cost of ACL signing, for bench/producer.bench.ts (same run, same machine):
 *   - per request: encoding a SEND_MESSAGE_V2 frame of a 128 B message, unsigned vs signed
 *     (AccessKey + HmacSHA1 Signature added), and the broker's check of that signed request;
 *   - end to end: TPS of a signed producer against a broker with ACL on, as a ratio to the unsigned
 *     producer against a broker without ACL (measured by the caller in the same run).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signRequest } from '../src/protocol/command/acl-signature.js';
import { createRequest } from '../src/protocol/command/remoting-command.js';
import { encodeFrame } from '../src/protocol/frame/frame-codec.js';
import { RequestCode } from '../src/protocol/codes/request-code.js';
import { buildAclRules } from '../src/server/acl/acl-config.js';
import { brokerAclHook } from '../src/server/acl/acl-guard.js';

export const BENCH_CREDENTIALS = { accessKey: 'benchProducer', secretKey: 'bench-secret-key' };

/** A plain_acl.yml letting the bench account publish anything, plus an admin for the brokers. */
const BENCH_ACL_YAML =
  `accounts:\n  - accessKey: ${BENCH_CREDENTIALS.accessKey}\n    secretKey: ${BENCH_CREDENTIALS.secretKey}\n` +
  '    defaultTopicPerm: PUB|SUB\n    defaultGroupPerm: PUB|SUB\n  - accessKey: benchAdmin\n' +
  '    secretKey: bench-admin-secret\n    admin: true\n';

/** Writes BENCH_ACL_YAML to a temp dir (removed when the process exits); returns its path. */
export function writeBenchAclFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmq-bench-acl-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'plain_acl.yml');
  fs.writeFileSync(file, BENCH_ACL_YAML);
  return file;
}

function sendRequest(): ReturnType<typeof createRequest> {
  return createRequest(RequestCode.SEND_MESSAGE_V2, {
    extFields: {
      a: 'bench_producer',
      b: 'BenchProducerTopic',
      c: 'TBW102',
      d: '4',
      e: '0',
      f: '0',
      g: String(Date.now()),
      h: '0',
      i: 'UNIQ_KEY\u00010A0B0C0D0E0F\u0002WAIT\u0001true\u0002',
      j: '0',
      k: 'false',
      m: 'false',
    },
    body: Buffer.alloc(128, 0x61),
  });
}

function opsPerSecond(fn: () => void, ms = 1000): number {
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 500; i++) fn();
    n += 500;
  }
  return (n * 1000) / (performance.now() - start);
}

/** Per-request costs: lines to print. */
export function signingMicroBench(): string[] {
  const unsigned = opsPerSecond(() => void encodeFrame(sendRequest()));
  const signed = opsPerSecond(() => {
    const r = sendRequest();
    signRequest(r, BENCH_CREDENTIALS);
    encodeFrame(r);
  });
  const hook = brokerAclHook({
    rules: buildAclRules([{ file: 'bench', content: BENCH_ACL_YAML }]),
  });
  const request = sendRequest();
  signRequest(request, BENCH_CREDENTIALS);
  const checks = opsPerSecond(() => hook.beforeRequest?.('127.0.0.1:1', request));
  const f = (n: number): string => Math.round(n).toLocaleString('en-US');
  return [
    `ACL signing, per request: encode SEND_MESSAGE_V2 (128 B) ${f(unsigned)}/s unsigned, ${f(signed)}/s signed ` +
      `(signed/unsigned ratio ${(signed / unsigned).toFixed(2)}); broker check ${f(checks)}/s`,
  ];
}
