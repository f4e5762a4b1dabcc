/**
 * Where deflating off the event loop pays: for JSON-like bodies of each size, the producer's two ZLIB
 * paths at level 5, interleaved in rounds, medians: on the loop (deflateBody, reused zlib stream) and
 * on libuv's pool (compressOffLoop). Prints the process CPU per body of each, and for the on-loop
 * path how long one body holds the loop (its wall time: nothing else runs meanwhile), next to the
 * event-loop delay a 1 ms timer sees while bodies are compressed back to back (monitorEventLoopDelay
 * p99 and max; the first line gives the same loop compressing nothing: the machine's own noise).
 *   node --import tsx bench/compress-off-loop.bench.ts   (env ROUNDS=5)
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  compressOffLoop,
  OFF_LOOP_COMPRESS_MIN_BYTES,
} from '../src/client/producer/send/compress-off-loop.js';
import { deflateBody } from '../src/protocol/message/zlib-deflater.js';
import { jsonBody } from './json-body.js';

const ROUNDS = Number(process.env.ROUNDS ?? '5');
const SIZES = [4, 16, 64, 128, 256, 1024, 4096].map((k) => k * 1024);
const LEVEL = 5;

interface Sample {
  cpuMicros: number;
  wallMicros: number;
  delayP99Ms: number;
  delayMaxMs: number;
}

/** Compresses `count` bodies one after another (as sends that arrive together), timing them. */
async function run(body: Buffer, count: number, mode: 'on' | 'off' | 'none'): Promise<Sample> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const ticker = setInterval(() => undefined, 1);
  await sleep(5);
  histogram.enable();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  if (mode === 'off') {
    for (let i = 0; i < count; i++) await compressOffLoop(body, LEVEL);
  } else {
    // Yield between bodies as separate sends would, so the timer can run where the loop is free.
    for (let i = 0; i < count; i++) {
      if (mode === 'on') deflateBody(body, LEVEL);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  const wall = (performance.now() - t0) * 1000;
  const used = process.cpuUsage(cpu);
  histogram.disable();
  clearInterval(ticker);
  return {
    cpuMicros: (used.user + used.system) / count,
    wallMicros: wall / count,
    delayP99Ms: histogram.percentile(99) / 1e6,
    delayMaxMs: histogram.max / 1e6,
  };
}

/** One on-loop body's own wall time: how long it keeps everything else waiting. */
function stallMicros(body: Buffer): number {
  const t0 = performance.now();
  deflateBody(body, LEVEL);
  return (performance.now() - t0) * 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const results = new Map<number, { on: Sample[]; off: Sample[]; stall: number[] }>();
const floor: Sample[] = []; // the same loop compressing nothing: this machine's delay noise
for (let round = 0; round <= ROUNDS; round++) {
  for (const size of SIZES) {
    const body = jsonBody(size);
    const count = Math.max(8, Math.min(2000, Math.round((8 * 1024 * 1024) / size)));
    const on = await run(body, count, 'on');
    const off = await run(body, count, 'off');
    if (size === SIZES[0] && round > 0) floor.push(await run(body, 2000, 'none'));
    const stall = Array.from({ length: 5 }, () => stallMicros(body));
    if (round === 0) continue; // warm-up
    const r = results.get(size) ?? { on: [], off: [], stall: [] };
    r.on.push(on);
    r.off.push(off);
    r.stall.push(median(stall));
    results.set(size, r);
  }
}
process.stdout.write(
  `ZLIB level ${LEVEL}, JSON-like bodies, medians of ${ROUNDS} rounds; off-loop today from ` +
    `${OFF_LOOP_COMPRESS_MIN_BYTES / 1024} KiB\n` +
    'size KiB | on-loop CPU µs | off-loop CPU µs | off/on | loop held per body µs | ' +
    'timer delay p99/max ms on-loop | off-loop\n',
);
const floorDelay = (ss: Sample[]): string =>
  `${fmt(median(ss.map((s) => s.delayP99Ms)))}/${fmt(median(ss.map((s) => s.delayMaxMs)))}`;
process.stdout.write(`no compression: timer delay p99/max ms ${floorDelay(floor)}\n`);
for (const [size, r] of results) {
  const on = median(r.on.map((s) => s.cpuMicros));
  const off = median(r.off.map((s) => s.cpuMicros));
  const delay = floorDelay;
  process.stdout.write(
    `${String(size / 1024).padStart(8)} | ${fmt(on).padStart(14)} | ${fmt(off).padStart(15)} | ` +
      `${(off / on).toFixed(2).padStart(6)} | ${fmt(median(r.stall)).padStart(21)} | ` +
      `${delay(r.on).padStart(30)} | ${delay(r.off)}\n`,
  );
}
