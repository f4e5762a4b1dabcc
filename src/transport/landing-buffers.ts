/**
 * Buffers that large request frames are read into (frame-landing.ts), reused once the request that
 * held one is done with its body.
 *
 * A buffer is lent for one frame. The decoded command's body is a view of it, so it may be reused
 * only when nothing reads that body any more, which only the request's processor knows: it calls
 * `releaseBodyAfterAnswer(request)` (the broker does once a send's record is written to the
 * commit log), and the dispatcher gives the buffer back after the request was answered and its
 * hooks ran. A buffer whose request never says so (any other request, a failed put, a connection
 * closed mid-frame) is simply left to the GC, as any other buffer: reuse is an optimisation that
 * must be asked for, never a default.
 *
 * Kept buffers are bounded in count and bytes; a buffer is reused only for a frame of at least half
 * its size, so a burst of large frames does not pin its buffers for small ones.
 */
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import { ByteBudget } from './byte-budget.js';

/** Frames from this size on are landed (smaller ones take at most two socket reads). */
export const LANDING_MIN_FRAME_BYTES = 128 * 1024;
/** Buffer sizes are rounded up to this (frames of similar size share buffers). */
const SIZE_STEP = 64 * 1024;
const MAX_KEPT_BUFFERS = 16;
const MAX_KEPT_BYTES = 32 * 1024 * 1024;

export interface LandingStats {
  /** Frames read into a landing buffer. */
  landed: number;
  /** Of those, frames that reused a buffer given back. */
  reused: number;
  /** Buffers given back (released after their request was answered). */
  givenBack: number;
}

export class LandingBuffers {
  readonly stats: LandingStats = { landed: 0, reused: 0, givenBack: 0 };
  private readonly kept: ArrayBuffer[] = [];
  private keptBytes = 0;
  /** Backing stores lent and not given back: only these may ever be given back (once). */
  private readonly lent = new WeakSet<ArrayBuffer>();

  /**
   * A buffer of exactly `bytes` bytes (contents undefined) for one frame, a view of a larger one: at
   * least one byte after it is free (frame-landing.ts reads one byte past the frame).
   */
  lend(bytes: number): Buffer {
    this.stats.landed++;
    let best = -1;
    for (let i = 0; i < this.kept.length; i++) {
      const size = this.kept[i]!.byteLength;
      if (size > bytes && size <= 2 * bytes && (best < 0 || size < this.kept[best]!.byteLength)) best = i;
    }
    let backing: ArrayBuffer;
    if (best >= 0) {
      backing = this.kept.splice(best, 1)[0]!;
      this.keptBytes -= backing.byteLength;
      this.stats.reused++;
    } else {
      backing = Buffer.allocUnsafeSlow(Math.ceil((bytes + 1) / SIZE_STEP) * SIZE_STEP).buffer as ArrayBuffer;
    }
    this.lent.add(backing);
    return Buffer.from(backing, 0, bytes);
  }

  /** Whether `body` is (a view of) a buffer lent and not given back. */
  isLent(body: Buffer | undefined): boolean {
    return body !== undefined && body.buffer instanceof ArrayBuffer && this.lent.has(body.buffer);
  }

  /** Takes back the buffer `body` is a view of, when it is one lent; at most once per lending. */
  giveBack(body: Buffer | undefined): void {
    if (body === undefined || !this.isLent(body)) return;
    const backing = body.buffer as ArrayBuffer;
    this.lent.delete(backing);
    this.stats.givenBack++;
    if (this.kept.length >= MAX_KEPT_BUFFERS || this.keptBytes + backing.byteLength > MAX_KEPT_BYTES) return;
    this.kept.push(backing);
    this.keptBytes += backing.byteLength;
  }

  /** Bytes of the buffers kept for reuse. */
  get keptByteCount(): number {
    return this.keptBytes;
  }
}

/**
 * One server's bound on the frames landing at once, by their whole sizes: the buffers a peer can make
 * it allocate (not write) with length prefixes alone. Beyond it, frames arrive the usual way.
 */
export class LandingReservations extends ByteBudget {}

/** The process's landing buffers (every server's connections share them). */
export const landingBuffers = new LandingBuffers();

/** Set on a request whose processor is done with its body once the request is answered. */
const RELEASE_BODY = Symbol('rocketmq.releaseBodyAfterAnswer');

type Releasable = RemotingCommand & { [RELEASE_BODY]?: boolean };

/**
 * Says that nothing will read `request.body` once the request is answered (its hooks included): a
 * landing buffer holding it may then be reused for another frame. Only for a processor that knows
 * no reference to the body outlives its answer: not one that keeps it, forwards it, puts it (or a
 * view of it) in its answer, or hands it to something asynchronous that may still run after.
 */
export function releaseBodyAfterAnswer(request: RemotingCommand): void {
  if (Object.isExtensible(request)) (request as Releasable)[RELEASE_BODY] = true;
}

/** The dispatcher, once `request` is answered: gives its body's landing buffer back when asked to. */
export function releaseAnsweredBody(request: RemotingCommand): void {
  if ((request as Releasable)[RELEASE_BODY] !== true) return;
  (request as Releasable)[RELEASE_BODY] = false;
  const body = Object.getOwnPropertyDescriptor(request, 'body');
  // Only a plain body property: an accessor (a chunked body) is no landed buffer.
  if (body !== undefined && 'value' in body && Buffer.isBuffer(body.value))
    landingBuffers.giveBack(body.value);
}
