/**
 * The per-message codec work of one single send, timed in this process for two builds side by side
 * (issue 16). The broker's: decoding a SEND_MESSAGE_V2 frame as it arrives (JSON header, ext fields),
 * its typed header, and encoding the send answer frame. The producer's: encoding the request frame
 * (typed header, properties, frame) and decoding the answer frame.
 *   node bench/header-hot-path.bench.mjs [before=DIR/dist] [after=dist] [rounds=7]
 * Each round times every step of every build for ~0.3 s (builds interleaved, in reverse order every
 * other round, after a discarded warm-up); prints ns per operation as medians with min–max and the
 * after/before ratio per round. Plain node over dist/ (`npm run build:esm` first, in both trees).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const ROUNDS = Number(args.rounds ?? 7);
const builds = [];
for (const name of ['before', 'after']) {
  const dir = args[name] ?? (name === 'after' ? 'dist' : undefined);
  if (dir === undefined) continue;
  const load = (file) => import(pathToFileURL(path.resolve(dir, file)).href);
  const frame = await load('protocol/frame/frame-codec.js');
  const command = await load('protocol/command/remoting-command.js');
  const send = await load('protocol/headers/send.js');
  const props = await load('protocol/message/properties.js');
  builds.push({ name, frame, command, send, props });
}

/** A producer's SEND_MESSAGE_V2 frame payload (after the length prefix), as our producer writes it. */
function requestPayload(b, n) {
  const properties = b.props.encodeProperties({
    KEYS: `order-${n}`,
    TAGS: 'TagA',
    WAIT: 'true',
    UNIQ_KEY: `7F000001${String(n).padStart(24, '0')}`,
  });
  const extFields = b.send.SendMessageRequestHeader.encode(
    {
      producerGroup: 'please_rename_unique_group_name',
      topic: 'BenchTopic',
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 4,
      queueId: n % 4,
      sysFlag: 0,
      bornTimestamp: 1764770000000 + n,
      flag: 0,
      properties,
      reconsumeTimes: 0,
      unitMode: false,
      batch: false,
      bname: 'broker-a',
    },
    { v2: true },
  );
  const request = b.command.createRequest(310, { extFields, body: Buffer.alloc(128, 0x61) });
  request.opaque = n;
  return b.frame.encodeFrame(request).subarray(4);
}

const N = 256;
/** A send answer's frame payload as the broker writes it (the producer's input; the answer-encode step). */
function answerPayload(b, i) {
  const response = b.command.createResponse(0, {
    extFields: {
      queueId: String(i & 3),
      TRACE_ON: 'true',
      MSG_REGION: 'DefaultRegion',
      msgId: `7F00000100002A9F00000000${(i * 320).toString(16).toUpperCase().padStart(8, '0')}`,
      queueOffset: String(100000 + i),
    },
  });
  response.opaque = i;
  return b.frame.encodeFrame(response).subarray(4);
}
const steps = {
  'request frame': (b) => {
    let x = 0;
    for (let i = 0; i < N; i++) x += requestPayload(b, i).length;
    return x;
  },
  'answer decode': (b, _inputs, _decoded, answers) => {
    let x = 0;
    for (let i = 0; i < N; i++) x += b.frame.decodeFramePayload(answers[i]).opaque;
    return x;
  },
  'decode frame': (b, inputs) => {
    let x = 0;
    for (let i = 0; i < N; i++) x += b.frame.decodeFramePayload(inputs[i]).opaque;
    return x;
  },
  'typed header': (b, _inputs, decoded) => {
    let x = 0;
    for (let i = 0; i < N; i++)
      x += b.send.SendMessageRequestHeader.decode(decoded[i].extFields, { v2: true }).queueId;
    return x;
  },
  'answer frame': (b) => {
    let x = 0;
    for (let i = 0; i < N; i++) x += answerPayload(b, i).length;
    return x;
  },
};

const prepared = builds.map((b) => {
  const inputs = Array.from({ length: N }, (_, i) => requestPayload(b, i));
  const answers = Array.from({ length: N }, (_, i) => answerPayload(b, i));
  return { b, inputs, answers, decoded: inputs.map((p) => b.frame.decodeFramePayload(p)) };
});

function time(step, p) {
  let ops = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < 300) {
    step(p.b, p.inputs, p.decoded, p.answers);
    ops += N;
    t = performance.now();
  }
  return ((t - t0) * 1e6) / ops;
}

const results = new Map();
for (let round = 0; round <= ROUNDS; round++) {
  const order = round % 2 === 0 ? prepared : [...prepared].reverse();
  for (const [name, step] of Object.entries(steps)) {
    for (const p of order) {
      const ns = time(step, p);
      if (round === 0) continue; // warm-up
      const key = `${name}|${p.b.name}`;
      results.set(key, [...(results.get(key) ?? []), ns]);
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs, digits) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
for (const name of Object.keys(steps)) {
  const line = [name.padEnd(14)];
  for (const b of builds) line.push(`${b.name} ${fmt(results.get(`${name}|${b.name}`), 0)} ns`);
  if (builds.length === 2) {
    const before = results.get(`${name}|before`);
    const ratios = results.get(`${name}|after`).map((a, i) => a / before[i]);
    line.push(`after/before ${fmt(ratios, 2)}`);
  }
  console.log(line.join('   '));
}
