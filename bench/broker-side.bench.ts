/**
 * Broker side by side (issue 16): `npm run bench:broker-side [-- --before DIR]`.
 *
 * Brokers (ASYNC_FLUSH, fresh temp stores) and remoting echoes run as child processes started from this
 * tree ("after") and, with --before, from another checkout of the project ("before", e.g.
 * `git worktree add --detach /tmp/perf-before main` with node_modules linked). This process is the
 * client for all of them (one connection each, the same client code), so only the server side differs.
 * After a discarded warm-up, BENCH_ROUNDS rounds (default 3) run every variant, in reverse order every
 * other round; each figure is the median with min–max over rounds:
 *
 *   send 128 B @128 / @1024   single SEND_MESSAGE_V2, 128 B bodies, 128 or 1024 in flight: msgs/s and
 *                             the broker's CPU µs per message (/proc of the child, net of its idle
 *                             CPU rate measured for 0.5 s just before: on a busy machine a slow run
 *                             would otherwise be charged the broker's timers)
 *   send 128 B @128 ROCKETMQ  the same with ROCKETMQ (binary) headers, as Java clients send them with
 *                             rocketmq.serialize.type=ROCKETMQ (this client's encoder, the broker's
 *                             decoder and its answers' encoder)
 *   echo 128 B @1000          the JSON remoting echo ceiling (bench/remoting-server.ts), same tree
 *   send 1 MiB @8             1 MiB bodies: MB/s of bodies and broker CPU µs per message
 *   bare echo 1 MiB @8        [int32 length][payload] over plain net: MB/s of bodies (the ceiling)
 *   SYNC_FLUSH 128 B @128     a second broker of the tree under SYNC_FLUSH (group commit): msgs/s and
 *                             CPU per message, the no-regression check of the flush path
 *
 * Ratios printed: send@128 / echo (target ≥ 0.25), send@1024 / send@128 (target ≥ 1), send 1 MiB / bare
 * echo (target ≥ 0.5), broker CPU µs per message (target ≤ 20). BENCH_SECONDS (default 2) measured per
 * run; BENCH_ONLY=name,... runs only those variants; BENCH_PROFILE=DIR starts brokers with --cpu-prof
 * (one profile per tree in DIR/<tree>, summarised by bench/cpu-profile-top.ts). Brokers run from each
 * tree's dist/ (what `rmq broker` runs; `npm run bench:broker-side` builds this tree's first, a --before
 * tree needs its own `npm run build:esm`); BENCH_BROKER=src runs test/helpers/broker-child.ts under tsx.
 *
 * BENCH_OTHER_BROKER=host:port,pid adds a broker run by hand, e.g. Apache RocketMQ's (ASYNC_FLUSH,
 * autoCreateTopicEnable=true: the load's sends name TBW102 as their default topic): "other send 128 B
 * @128" and "other send 1 MiB @8" with its CPU read from /proc/<pid>, and this tree's ratios to it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTopic } from '../test/helpers/broker-client.js';
import { RemotingClient } from '../src/transport/index.js';
import { SerializeType } from '../src/protocol/codes/misc.js';
import { bareEchoLoad, cpuSeconds, echoLoad, sendLoad, startChild } from './broker-side-children.js';
import type { Child, Load } from './broker-side-children.js';

const { values } = parseArgs({ options: { before: { type: 'string' } } });
const HERE = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const MEASURE_MS = Number(process.env.BENCH_SECONDS ?? 2) * 1000;
const WARMUP_MS = 700;
const IDLE_MS = 500;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ONLY = process.env.BENCH_ONLY?.split(',');
const PROFILE = process.env.BENCH_PROFILE;
const FROM_SOURCES = process.env.BENCH_BROKER === 'src';
const TOPIC = 'BenchTopic';
const SMALL = Buffer.alloc(128, 0x61);
const LARGE = Buffer.alloc(1024 * 1024, 0x62);

interface Tree {
  name: string;
  broker: Child;
  /** The same broker under SYNC_FLUSH (group commit), for the no-regression check. */
  syncBroker: Child;
  echo: Child;
  store: string;
}

async function startTree(name: string, root: string): Promise<Tree> {
  const store = await fs.promises.mkdtemp(path.join(os.tmpdir(), `rmq-bench-${name}-`));
  const execArgv = [
    ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(PROFILE, name)}`] : []),
    ...(process.env.BENCH_BROKER_FLAGS?.split(' ').filter(Boolean) ?? []),
  ];
  const script = FROM_SOURCES ? 'test/helpers/broker-child.ts' : 'bench/broker-child-dist.mjs';
  if (!FROM_SOURCES && !fs.existsSync(path.join(root, 'dist/server/broker/index.js'))) {
    throw new Error(`${root} has no dist/: run npm run build:esm there (or BENCH_BROKER=src)`);
  }
  const broker = await startChild(root, script, [path.join(store, 'async'), 'ASYNC_FLUSH'], execArgv);
  const syncBroker = await startChild(root, script, [path.join(store, 'sync'), 'SYNC_FLUSH']);
  const echo = await startChild(root, 'bench/remoting-server.ts', []);
  const admin = new RemotingClient();
  for (const b of [broker, syncBroker]) {
    const r = await createTopic(admin, String(b.ready.address), TOPIC, 4);
    if (r.code !== 0) throw new Error(`create topic on ${name}: ${r.remark}`);
  }
  await admin.shutdown();
  return { name, broker, syncBroker, echo, store };
}

interface Sample {
  perSec: number;
  bytesPerSec: number;
  cpuMicrosPerMsg: number;
  /** This process's (the client's) CPU µs per message: shows which side limits a run. */
  clientMicrosPerMsg: number;
}

/**
 * The server's CPU seconds per second while idle (its timers and background tasks), measured over
 * `millis`: subtracted from a run's CPU so a slow run is not charged the idle work of its seconds.
 */
async function idleCpuRate(pid: number, millis: number): Promise<number> {
  const [t0, cpu0] = [performance.now(), cpuSeconds(pid)];
  await new Promise((resolve) => setTimeout(resolve, millis));
  return (cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000);
}

/** Busy and total jiffies of the whole machine (/proc/stat): kernel work such as page-cache writeback included. */
function machineTicks(): { busy: number; total: number } {
  const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq] = fields.map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq!;
  return { busy, total: busy + idle! + iowait! };
}

/**
 * Writes back every dirty page (sync(1)), then waits (up to 3 s) until the machine is nearly idle
 * (under 10 % busy over 200 ms): a broker still flushing or collecting garbage, or the kernel writing
 * back the previous variant's log, took CPU from the next variant (an echo measured right after a send
 * load came out 0.5-0.8x). The writeback of a 1 MiB send run's log (~0.5 GB) is not busy CPU, yet the
 * bare echo measured during it ran at 110-460 MB/s, against 570-1030 MB/s after a sync (same day).
 */
async function quiesce(): Promise<void> {
  spawnSync('sync');
  const until = performance.now() + 3000;
  while (performance.now() < until) {
    const a = machineTicks();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const b = machineTicks();
    if (b.total > a.total && (b.busy - a.busy) / (b.total - a.total) < 0.1) return;
  }
}

async function measure(load: Load, pid: number | undefined): Promise<Sample> {
  await quiesce();
  const idleRate = pid ? await idleCpuRate(pid, IDLE_MS) : 0;
  let count = 0;
  let bytes = 0;
  load.start((n) => {
    count++;
    bytes += n;
  });
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  const [c0, b0, t0, cpu0] = [count, bytes, performance.now(), pid ? cpuSeconds(pid) : 0];
  const own0 = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
  const own = process.cpuUsage(own0);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = pid ? Math.max(0, cpuSeconds(pid) - cpu0 - idleRate * seconds) : 0;
  const sample = {
    perSec: (count - c0) / seconds,
    bytesPerSec: (bytes - b0) / seconds,
    cpuMicrosPerMsg: count > c0 ? (cpu * 1e6) / (count - c0) : NaN,
    clientMicrosPerMsg: count > c0 ? (own.user + own.system) / (count - c0) : NaN,
  };
  await load.stop();
  return sample;
}

function variants(t: Tree): [string, () => Promise<Sample>][] {
  const address = String(t.broker.ready.address);
  const pid = t.broker.child.pid!;
  const echoPort = Number(t.echo.ready.rocketmq);
  return [
    [`${t.name} send 128 B @128`, () => measure(sendLoad(address, TOPIC, 4, SMALL, 128), pid)],
    [`${t.name} send 128 B @1024`, () => measure(sendLoad(address, TOPIC, 4, SMALL, 1024), pid)],
    [
      `${t.name} send 128 B @128 ROCKETMQ`,
      () => measure(sendLoad(address, TOPIC, 4, SMALL, 128, SerializeType.ROCKETMQ), pid),
    ],
    [`${t.name} echo 128 B @1000`, () => measure(echoLoad(echoPort, SMALL, 1000), t.echo.child.pid)],
    [`${t.name} send 1 MiB @8`, () => measure(sendLoad(address, TOPIC, 4, LARGE, 8), pid)],
    [
      `${t.name} SYNC_FLUSH 128 B @128`,
      () =>
        measure(sendLoad(String(t.syncBroker.ready.address), TOPIC, 4, SMALL, 128), t.syncBroker.child.pid!),
    ],
  ];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
/** Median (min–max) of the finite values; "not run" when a variant was left out (BENCH_ONLY). */
const fmt = (values: number[], digits: number): string => {
  const xs = values.filter(Number.isFinite);
  if (xs.length === 0) return 'not run';
  return `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
};

/** The variants of BENCH_OTHER_BROKER (host:port,pid), when set. */
function otherBroker(): [string, () => Promise<Sample>][] {
  const spec = process.env.BENCH_OTHER_BROKER;
  if (!spec) return [];
  const [address, pidText] = spec.split(',');
  const pid = Number(pidText);
  if (!address?.includes(':') || !Number.isInteger(pid) || !fs.existsSync(`/proc/${pid}/stat`)) {
    throw new Error(`BENCH_OTHER_BROKER must be host:port,pid of a running broker, got "${spec}"`);
  }
  return [
    ['other send 128 B @128', () => measure(sendLoad(address, TOPIC, 4, SMALL, 128), pid)],
    ['other send 1 MiB @8', () => measure(sendLoad(address, TOPIC, 4, LARGE, 8), pid)],
  ];
}

const trees: Tree[] = [];
try {
  if (values.before) trees.push(await startTree('before', path.resolve(values.before)));
  trees.push(await startTree('after', HERE));
  const bare = trees[trees.length - 1]!;
  const bareEcho: [string, () => Promise<Sample>] = [
    'bare echo 1 MiB @8',
    () => measure(bareEchoLoad(Number(bare.echo.ready.echoPlain), LARGE, 8), undefined),
  ];
  const other = otherBroker();
  const all = [...trees.flatMap(variants), ...other, bareEcho].filter(
    ([name]) => !ONLY || ONLY.some((o) => name.includes(o)),
  );
  console.log(
    `broker side by side: ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}, node ${process.version}, ` +
      `${ROUNDS} rounds of ${MEASURE_MS / 1000} s (+${WARMUP_MS / 1000} s warm-up each) after a discarded round`,
  );
  for (const [, run] of all) await run(); // discarded: JIT-compiles both sides
  const samples = new Map<string, Sample[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of round % 2 === 0 ? all : [...all].reverse()) {
      const s = await run();
      samples.set(name, [...(samples.get(name) ?? []), s]);
      console.log(
        `  round ${round + 1} ${name.padEnd(26)} ${Math.round(s.perSec).toString().padStart(7)} /s ` +
          `${(s.bytesPerSec / 1e6).toFixed(1).padStart(7)} MB/s  ${s.cpuMicrosPerMsg.toFixed(1)} µs CPU/msg (client ${s.clientMicrosPerMsg.toFixed(1)})`,
      );
    }
  }
  const get = (name: string): Sample[] => samples.get(name) ?? [];
  const ratio = (a: string, b: string, key: keyof Sample): number[] =>
    get(a).map((s, i) => s[key] / (get(b)[i]?.[key] ?? NaN));
  console.log('\nmedian (min–max) over rounds');
  for (const t of trees) {
    const n = t.name;
    console.log(`${n}:`);
    console.log(
      `  broker CPU µs/msg, 128 B @128        ${fmt(
        get(`${n} send 128 B @128`).map((s) => s.cpuMicrosPerMsg),
        1,
      )}  (target ≤ 20)`,
    );
    console.log(
      `  broker CPU µs/msg, 128 B @1024       ${fmt(
        get(`${n} send 128 B @1024`).map((s) => s.cpuMicrosPerMsg),
        1,
      )}`,
    );
    console.log(
      `  send 128 B @128 msgs/s               ${fmt(
        get(`${n} send 128 B @128`).map((s) => s.perSec),
        0,
      )}`,
    );
    const binary = get(`${n} send 128 B @128 ROCKETMQ`);
    console.log(
      `  ROCKETMQ header: msgs/s, µs/msg      ${fmt(
        binary.map((s) => s.perSec),
        0,
      )}, ${fmt(
        binary.map((s) => s.cpuMicrosPerMsg),
        1,
      )}`,
    );
    console.log(
      `  send @128 / JSON echo ceiling        ${fmt(ratio(`${n} send 128 B @128`, `${n} echo 128 B @1000`, 'perSec'), 3)}  (target ≥ 0.25)`,
    );
    console.log(
      `  send @1024 / send @128               ${fmt(ratio(`${n} send 128 B @1024`, `${n} send 128 B @128`, 'perSec'), 2)}  (target ≥ 1)`,
    );
    console.log(
      `  send 1 MiB MB/s                      ${fmt(
        get(`${n} send 1 MiB @8`).map((s) => s.bytesPerSec / 1e6),
        0,
      )}`,
    );
    console.log(
      `  broker CPU µs/msg, 1 MiB             ${fmt(
        get(`${n} send 1 MiB @8`).map((s) => s.cpuMicrosPerMsg),
        0,
      )}`,
    );
    console.log(
      `  send 1 MiB / bare echo bytes/s       ${fmt(ratio(`${n} send 1 MiB @8`, 'bare echo 1 MiB @8', 'bytesPerSec'), 2)}  (target ≥ 0.5)`,
    );
    const sync = get(`${n} SYNC_FLUSH 128 B @128`);
    console.log(
      `  SYNC_FLUSH 128 B @128 msgs/s, µs/msg ${fmt(
        sync.map((s) => s.perSec),
        0,
      )}, ${fmt(
        sync.map((s) => s.cpuMicrosPerMsg),
        1,
      )}`,
    );
  }
  if (samples.has('other send 128 B @128') || samples.has('other send 1 MiB @8')) {
    const o = (name: string, key: keyof Sample, digits: number): string =>
      fmt(
        get(name).map((s) => s[key]),
        digits,
      );
    console.log('other broker (BENCH_OTHER_BROKER):');
    console.log(
      `  128 B @128 msgs/s, CPU µs/msg        ${o('other send 128 B @128', 'perSec', 0)}, ${o('other send 128 B @128', 'cpuMicrosPerMsg', 1)}`,
    );
    console.log(
      `  1 MiB @8 MB/s, CPU µs/msg            ${fmt(
        get('other send 1 MiB @8').map((s) => s.bytesPerSec / 1e6),
        0,
      )}, ${o('other send 1 MiB @8', 'cpuMicrosPerMsg', 0)}`,
    );
    console.log(
      `  other 1 MiB / bare echo bytes/s      ${fmt(ratio('other send 1 MiB @8', 'bare echo 1 MiB @8', 'bytesPerSec'), 2)}`,
    );
    console.log(
      `after / other: 128 B msgs/s ${fmt(ratio('after send 128 B @128', 'other send 128 B @128', 'perSec'), 2)}, ` +
        `CPU per message ${fmt(ratio('after send 128 B @128', 'other send 128 B @128', 'cpuMicrosPerMsg'), 2)}; ` +
        `1 MiB bytes/s ${fmt(ratio('after send 1 MiB @8', 'other send 1 MiB @8', 'bytesPerSec'), 2)}, ` +
        `CPU per message ${fmt(ratio('after send 1 MiB @8', 'other send 1 MiB @8', 'cpuMicrosPerMsg'), 2)}`,
    );
  }
  if (trees.length === 2) {
    const cpuRatio = ratio('after send 128 B @128', 'before send 128 B @128', 'cpuMicrosPerMsg');
    const tputRatio = ratio('after send 128 B @128', 'before send 128 B @128', 'perSec');
    const syncRatio = ratio('after SYNC_FLUSH 128 B @128', 'before SYNC_FLUSH 128 B @128', 'perSec');
    console.log(
      `after / before: broker CPU per message ${fmt(cpuRatio, 2)}, msgs/s @128 ${fmt(tputRatio, 2)}, ` +
        `SYNC_FLUSH msgs/s ${fmt(syncRatio, 2)} (no regression: ≥ ~1)`,
    );
  }
} finally {
  for (const t of trees) {
    await t.broker.stop();
    await t.syncBroker.stop();
    await t.echo.stop();
    await fs.promises.rm(t.store, { recursive: true, force: true });
  }
}
