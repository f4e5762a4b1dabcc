/**
 * Synchronous ZLIB (RFC 1950) compression of message bodies without the per-call costs of
 * `zlib.deflateSync`, which showed as the producer's extra CPU per 4 KiB message against ali-ons:
 *
 * - deflateSync builds a whole stream object (Transform, states, native handle) and a new zlib
 *   state (~270 KB malloc'd and zeroed) for every body, then frees both: ~9 µs before a byte is
 *   compressed, plus brk/page-fault churn in the allocator.
 * - Its result is a slice of a fresh 16 KiB output ArrayBuffer (zlib's default chunkSize): a 4 KiB
 *   JSON body deflates to ~700 bytes yet pins 16 KiB of external memory for as long as the send
 *   holds the body, which drove extra scavenges and mark-compacts in the producer.
 *
 * Here one zlib stream per level is kept (~270 KB of zlib state each, plus a 16 KiB output scratch
 * for the process) and reset between bodies (deflateReset: same state as a
 * fresh deflateInit, so the bytes are exactly deflateSync's at that level), the output goes into a
 * reused scratch buffer, and the result is copied into an exact-size Buffer (from Node's shared
 * pool when small). The reuse goes through the native handle that node:zlib's own deflateSync
 * drives (`_handle.writeSync`, `_writeState`, `reset`); that is not a public API, so it is used
 * only on Node majors checked to drive it that way, the handle's shape is checked, and each level's
 * stream must first reproduce deflateSync's bytes on fixed probes. If anything does not match, or
 * the handle ever reports an error, this falls back to public deflateSync with a small chunkSize
 * plus the exact-size copy, which keeps the memory fix.
 */
import * as zlib from 'node:zlib';

/** The part of node:zlib's native handle that deflateSync itself uses. */
interface NativeZlibHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    output: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
  reset(): void;
}

interface ReusedDeflater {
  readonly handle: NativeZlibHandle;
  /** [availOutAfter, availInAfter] of the last writeSync, written by the native side. */
  readonly state: Uint32Array;
  /** Destroyed (and its handle closed) as soon as the handle reports a zlib error. */
  readonly stream: zlib.Deflate;
}

/** Output scratch: a 4 KiB-class body deflates in one call; bigger outputs loop over it. */
const SCRATCH_BYTES = 16 * 1024;
/** Output chunk of the public fallback: compressed small bodies fit; the copy trims the rest. */
const FALLBACK_CHUNK_BYTES = 4 * 1024;

/**
 * Node majors whose lib/zlib.js drives the handle exactly so (processChunkSync: writeSync(flush, in,
 * inOff, inLen, out, outOff, outLen), results in _writeState). The native side aborts the process on
 * arguments of the wrong type, which no probe could catch, so other majors keep to the public path
 * until checked.
 */
const CHECKED_NODE_MAJORS = new Set([20, 22, 23, 24]);
const nodeMajor = Number(process.versions.node.split('.')[0]);

let scratch: Buffer | undefined;
const deflaters = new Map<number, ReusedDeflater | null>(); // null: this level uses the fallback
let reuseDisabled = !CHECKED_NODE_MAJORS.has(nodeMajor);
let probes: Buffer[] | undefined;

function exactCopy(source: Buffer, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  source.copy(out, 0, 0, length);
  return out;
}

/** Public-API path: deflateSync with a small output chunk, copied so no 16 KiB buffer is pinned. */
function deflateFallback(body: Uint8Array, level: number): Buffer {
  const out = zlib.deflateSync(body, { level, chunkSize: FALLBACK_CHUNK_BYTES });
  return out.buffer.byteLength > out.length * 2 ? exactCopy(out, out.length) : out;
}

function openDeflater(level: number): ReusedDeflater | undefined {
  const stream = new zlib.Deflate({ level });
  // destroy(error) emits 'error' on the next tick; the stream is never reused after that.
  stream.on('error', () => undefined);
  const internals = stream as unknown as { _handle?: Partial<NativeZlibHandle>; _writeState?: unknown };
  const handle = internals._handle;
  const state = internals._writeState;
  if (
    typeof handle?.writeSync !== 'function' ||
    typeof handle.reset !== 'function' ||
    !(state instanceof Uint32Array) ||
    state.length < 2
  ) {
    stream.close();
    return undefined;
  }
  return { handle: handle as NativeZlibHandle, state, stream };
}

/** Deflates through a reused handle; undefined when the handle reported an error. */
function deflateReusing(d: ReusedDeflater, body: Uint8Array): Buffer | undefined {
  scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
  const out = scratch;
  let pieces: Buffer[] | undefined;
  let inOff = 0;
  let inLen = body.length;
  for (;;) {
    d.handle.writeSync(zlib.constants.Z_FINISH, body, inOff, inLen, out, 0, out.length);
    if (d.stream.destroyed) return undefined; // zlib error: the handle is closed now
    const availOut = d.state[0] as number;
    const availIn = d.state[1] as number;
    const produced = out.length - availOut;
    inOff += inLen - availIn;
    inLen = availIn;
    // With Z_FINISH, output room left over means the stream is complete (zlib's contract).
    if (availOut !== 0) {
      d.handle.reset(); // deflateReset: the next body starts a fresh stream at the same level
      const last = exactCopy(out, produced);
      return pieces === undefined ? last : Buffer.concat([...pieces, last]);
    }
    (pieces ??= []).push(exactCopy(out, produced));
  }
}

/** Fixed probe bodies: compressible text, and pseudo-random bytes whose output overflows the scratch. */
function probeBodies(): Buffer[] {
  if (probes !== undefined) return probes;
  const text = Buffer.from(
    Array.from(
      { length: 120 },
      (_, i) => `{"id":${i * 7919},"name":"n-${i % 13}","v":${(i * 37) % 101}}`,
    ).join('\n'),
  );
  const noise = Buffer.allocUnsafe(SCRATCH_BYTES + 4096);
  let x = 0x9e3779b9;
  for (let i = 0; i < noise.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    noise[i] = x >>> 24;
  }
  probes = [text, noise];
  return probes;
}

function deflaterFor(level: number): ReusedDeflater | undefined {
  const known = deflaters.get(level);
  if (known !== undefined) return known ?? undefined;
  const opened = openDeflater(level);
  // Trust the reused handle only once its bytes equal deflateSync's, twice in a row per probe (the
  // second run checks the reset) and across the scratch-overflow loop.
  let trusted = false;
  try {
    trusted =
      opened !== undefined &&
      probeBodies().every((probe) => {
        const expected = zlib.deflateSync(probe, { level });
        return [0, 1].every(() => deflateReusing(opened, probe)?.equals(expected) === true);
      });
  } catch {
    trusted = false; // a handle that throws on the probes is not used
  }
  const usable = trusted ? opened : undefined;
  if (usable === undefined) opened?.stream.close();
  deflaters.set(level, usable ?? null);
  return usable;
}

/**
 * zlib-compresses `body` at `level` (RFC 1950 stream, the bytes of `zlib.deflateSync(body, { level })`),
 * into an exact-size Buffer. Throws RangeError for a level outside -1..9, like deflateSync.
 */
export function deflateBody(body: Uint8Array, level: number): Buffer {
  // The native handle aborts the process on anything but bytes: other input takes the public path,
  // which converts or refuses it as deflateSync does.
  if (!reuseDisabled && body instanceof Uint8Array) {
    const d = deflaterFor(level);
    let out: Buffer | undefined;
    try {
      out = d === undefined ? undefined : deflateReusing(d, body);
    } catch {
      // Thrown before zlib ran: drop this stream (its state is unknown), the next body reopens one.
      d?.stream.close();
      deflaters.delete(level);
    }
    if (out !== undefined) return out;
    // A handle that reported a zlib error is not reused; neither is any other from now on.
    if (d?.stream.destroyed === true) resetDeflaterReuse(true);
  }
  return deflateFallback(body, level);
}

/** Whether bodies at `level` go through a reused stream, the public fallback, or none yet (for tests). */
export function deflaterPathOf(level: number): 'reused' | 'fallback' | 'not opened' {
  if (reuseDisabled) return 'fallback';
  const known = deflaters.get(level);
  return known === undefined ? 'not opened' : known === null ? 'fallback' : 'reused';
}

/**
 * Closes the reused zlib streams; with `disable` keeps to the public path from then on, without it
 * reuses again where this Node major allows (for tests).
 */
export function resetDeflaterReuse(disable = false): void {
  for (const open of deflaters.values()) open?.stream.close();
  deflaters.clear();
  reuseDisabled = disable || !CHECKED_NODE_MAJORS.has(nodeMajor);
}
