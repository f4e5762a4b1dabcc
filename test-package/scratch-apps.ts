/**
 * The scratch apps of the packed-tarball test, as source text: a CommonJS app and an ESM app that send
 * to and pull from an embedded cluster, and TypeScript files type-checked against the installed
 * package (`.cts` resolves through the `require` condition, `.mts` and bundler `.ts` through `import`).
 */

/** Shared body of both JavaScript apps: `lib` is the package as loaded by require() or import. */
const APP_BODY = `
  const cluster = await lib.startEmbeddedCluster({ brokers: 1 });
  try {
    const producer = new lib.Producer({ producerGroup: 'scratch-app', nameServer: cluster.namesrvAddress });
    await producer.start();
    const sent = await producer.send({ topic: 'ScratchTopic', body: 'hello from ' + FORMAT, tags: 'a' });
    await producer.shutdown();
    const consumer = new lib.PullConsumer({ consumerGroup: 'scratch-audit', nameServer: cluster.namesrvAddress });
    await consumer.start();
    const bodies = [];
    for await (const msg of lib.pollMessages(consumer, 'ScratchTopic', { from: 'beginning', idleTimeoutMillis: 300 })) {
      bodies.push(msg.body.toString());
    }
    await consumer.shutdown();
    let unknownOption = '';
    try {
      new lib.Producer({ producerGroup: 'g', sendTimeout: 5 });
    } catch (err) {
      unknownOption = err instanceof lib.IllegalArgumentError ? err.code + ' ' + err.message : 'untyped';
    }
    const frame = protocol.encodeFrame(protocol.createRequest(protocol.RequestCode.HEART_BEAT));
    console.log(JSON.stringify({
      format: FORMAT,
      sendStatus: sent.sendStatus,
      sent: JSON.parse(JSON.stringify(sent)),
      bodies,
      unknownOption,
      protocolRoundTrip: protocol.decodeFrame(frame).code === protocol.RequestCode.HEART_BEAT,
    }));
  } finally {
    await cluster.stop();
  }
`;

export const CJS_APP = `'use strict';
const lib = require('rocketmq-ts');
const protocol = require('rocketmq-ts/protocol');
const FORMAT = 'commonjs';
(async () => {${APP_BODY}})().catch((err) => { console.error(err); process.exit(1); });
`;

export const ESM_APP = `import * as lib from 'rocketmq-ts';
import * as protocol from 'rocketmq-ts/protocol';
const FORMAT = 'esm';
${APP_BODY}`;

/** Typed use of both entry points; compiled, never run. */
const TYPED_BODY = `
export async function roundTrip(nameServer: string): Promise<string> {
  const producer = new Producer({ producerGroup: 'typed', nameServer });
  await producer.start();
  const result: SendResult = await producer.send({ topic: 'T', body: Buffer.from('x') });
  const status: SendStatus = result.sendStatus;
  await producer.shutdown();
  const error: RocketMQError = new IllegalArgumentError('x');
  const code: number = error.code;
  const frame: Buffer = encodeFrame(createRequest(RequestCode.HEART_BEAT));
  return JSON.stringify({ result, status, code, size: frame.length, err: error.toJSON() });
}
`;

const TYPED_IMPORTS = (
  ext: string,
) => `import { IllegalArgumentError, Producer, SendStatus } from 'rocketmq-ts';
import type { RocketMQError, SendResult } from 'rocketmq-ts';
import { createRequest, encodeFrame, RequestCode } from 'rocketmq-ts/protocol';
// ${ext}`;

export const TYPED_CTS = `${TYPED_IMPORTS('.cts: CommonJS, the require condition')}${TYPED_BODY}`;
export const TYPED_MTS = `${TYPED_IMPORTS('.mts: ESM, the import condition')}${TYPED_BODY}`;
export const TYPED_BUNDLER_TS = `${TYPED_IMPORTS('.ts under moduleResolution bundler')}${TYPED_BODY}`;

/** tsconfig for one resolution mode; `typeRoots` points at the repository's @types (offline). */
export function scratchTsconfig(mode: 'node16' | 'bundler', files: string[], typeRoots: string): string {
  const moduleOptions =
    mode === 'node16'
      ? { module: 'node16', moduleResolution: 'node16' }
      : { module: 'esnext', moduleResolution: 'bundler' };
  return JSON.stringify({
    compilerOptions: {
      ...moduleOptions,
      target: 'ES2022',
      strict: true,
      noEmit: true,
      types: ['node'],
      typeRoots: [typeRoots],
      skipLibCheck: false,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
    },
    files,
  });
}
