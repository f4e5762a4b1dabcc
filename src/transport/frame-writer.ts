/**
 * Outgoing frames of one socket: batching and backpressure.
 *
 * - Batching: frames written during one pass of the event loop are queued and flushed together from a
 *   setImmediate, between cork() and uncork(), so Node hands them to the kernel in one writev call;
 *   once EARLY_FLUSH_BYTES wait, they go at once (the peer starts on them while we produce the rest).
 *   Small frames are first concatenated (one socket.write per ~16 KiB instead of one per frame: the
 *   per-write bookkeeping of a Node stream costs more than copying a few hundred bytes; write-batch.ts).
 * - Backpressure: once socket.write() returns false we stop handing frames to the socket and keep them
 *   in our queue until 'drain'. Frames whose request already ended (timed out) are dropped unsent.
 * - Optionally (server side) reading is paused while more than `maxQueuedBytes` wait, so a peer that
 *   sends requests but never reads the answers cannot make us buffer without limit. The client never
 *   pauses: its incoming data (responses) never adds to its outgoing queue, and pausing there could
 *   deadlock two peers that both stopped reading.
 * - Server side, all connections' backlogs also share one WriteBacklogBudget: while the total is over
 *   it, a connection whose own backlog is large (LARGE_BACKLOG_SHARE of `maxQueuedBytes`) stops
 *   reading until that backlog halves, so many peers that do not read cannot each pin `maxQueuedBytes`
 *   (write-backlog-budget.ts).
 */
import type { Socket } from 'node:net';
import { ReadHold } from './read-gate.js';
import type { ReadGate } from './read-gate.js';
import { LARGE_BACKLOG_SHARE } from './write-backlog-budget.js';
import type { WriteBacklogBudget } from './write-backlog-budget.js';
import { batchWritten, GROUP_BYTES, SMALL_FRAME, writeGroup } from './write-batch.js';
import type { WriteBatch, WriteDone, WriteListener } from './write-batch.js';

// Moved modules; their names stay importable from here.
export { WriteBacklogBudget } from './write-backlog-budget.js';
export type { WriteListener } from './write-batch.js';

/**
 * Once this many bytes wait, they are written at once instead of at the end of the pass. Without it,
 * a peer answering a window of requests worked in lockstep with us: it got the whole window in one
 * write at the end of our pass, answered it in one write at the end of its own, and each side idled
 * while the other worked (one connection, 128 requests in flight: both processes ~60 % busy). Writing
 * every ~16 KiB lets the peer start on the first requests while we still produce the rest: +35-45 %
 * msgs/s for single sends, +40 % for the echo; bigger chunks (64 KiB) fell back to lockstep at 128 in flight.
 */
const EARLY_FLUSH_BYTES = 16 * 1024;
/**
 * While blocked, frames whose request already ended (timed out) are dropped from the queue once it
 * holds this much, and again each time it doubles: a caller that keeps sending to a peer that stopped
 * reading must not pin the frames of every request that already failed.
 */
const PURGE_MIN_BYTES = 1024 * 1024;

const NO_LISTENERS: readonly WriteListener[] = [];

/** Fails `listener`'s write if it has a deadline that passed and is still unsettled. */
function expireWrite(listener: WriteListener | undefined, now: number): void {
  if (
    listener?.writeExpired !== undefined &&
    !listener.settled &&
    (listener.writeDeadline ?? Infinity) <= now
  )
    listener.writeExpired();
}

export class FrameWriter {
  private frames: (Buffer | undefined)[] = [];
  private listeners: (WriteListener | undefined)[] = [];
  /** A large body written right after its frame head (see write); undefined for whole frames. */
  private bodies: (Buffer | undefined)[] = [];
  private head = 0;
  private queuedBytes = 0;
  private blocked = false;
  private scheduled = false;
  private failed: Error | undefined;
  /** This writer's backlog as last counted in `budget`. */
  private countedBytes = 0;
  private readonly largeBacklogBytes: number;
  private idleWaiters: (() => void)[] = [];
  /** Queue size at which the next purge of ended frames runs (see PURGE_MIN_BYTES). */
  private purgeAtBytes = PURGE_MIN_BYTES;
  /** Listeners of the last flush's frames, while the socket has not confirmed them (blocked). */
  private unconfirmed: readonly WriteListener[] = NO_LISTENERS;
  /** Frames of the write being gathered in `flush` (reused). */
  private readonly group: Buffer[] = [];

  constructor(
    private readonly socket: Socket,
    /** 0 = never pause reading. */
    private readonly maxQueuedBytes: number,
    private readonly gate: ReadGate,
    /** Shared by a server's connections; undefined = none (client). */
    private readonly budget?: WriteBacklogBudget,
  ) {
    this.largeBacklogBytes = maxQueuedBytes * LARGE_BACKLOG_SHARE;
    socket.on('drain', () => {
      this.blocked = false;
      this.unconfirmed = NO_LISTENERS; // written: not held until the next flush
      this.flush();
    });
  }

  /** Bytes waiting in our queue plus bytes buffered inside the socket. */
  get backlogBytes(): number {
    return this.queuedBytes + this.socket.writableLength;
  }

  get isBlocked(): boolean {
    return this.blocked;
  }

  /** True while reading is paused because the peer does not read what we write. */
  get readingPaused(): boolean {
    return this.gate.isHeld(ReadHold.writeBacklog | ReadHold.serverWriteBacklog);
  }

  /**
   * Queues a frame; with `body`, `frame` is only its head (encodeFrameHead) and the body goes to the
   * socket right after it, uncopied (one writev with the frames around it).
   */
  write(frame: Buffer, listener?: WriteListener, body?: Buffer): void {
    if (this.failed) {
      listener?.onWritten(this.failed);
      return;
    }
    this.frames.push(frame);
    this.listeners.push(listener);
    this.bodies.push(body);
    this.queuedBytes += frame.length + (body?.length ?? 0);
    if (this.blocked && this.queuedBytes >= this.purgeAtBytes) this.purgeEnded();
    if (this.maxQueuedBytes > 0) this.holdReading();
    if (this.blocked) return;
    if (this.queuedBytes >= EARLY_FLUSH_BYTES) this.writeQueued();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /**
   * Hands the queued frames to the socket now instead of at the scheduled flush: the peer half-closed,
   * and the socket ends (we do not allow half-open connections) before that flush would run.
   */
  flushNow(): void {
    this.writeQueued();
  }

  /** Resolves when every queued frame has been handed to the socket (not blocked on drain). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Fails every queued frame (the connection is gone); later writes fail at once. */
  fail(error: Error): void {
    if (this.failed) return;
    this.failed = error;
    const listeners = this.listeners;
    this.unconfirmed = NO_LISTENERS; // the socket fails their writes itself
    this.frames = [];
    this.listeners = [];
    this.bodies = [];
    this.head = 0;
    this.queuedBytes = 0;
    if (this.budget !== undefined) this.budget.usedBytes -= this.countedBytes;
    this.countedBytes = 0;
    for (const listener of listeners) listener?.onWritten(error);
    this.notifyIdle();
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    this.writeQueued();
  };

  private writeQueued(): void {
    if (this.blocked || this.failed || this.socket.destroyed) return;
    if (this.head < this.frames.length) {
      const batch: WriteBatch = { listeners: [], remaining: 0 };
      const done: WriteDone = (error) => batchWritten(batch, error ?? undefined);
      const socket = this.socket;
      const group = this.group;
      let groupBytes = 0;
      let groupDone: typeof done | undefined;
      socket.cork();
      while (this.head < this.frames.length) {
        const frame = this.frames[this.head]!;
        const listener = this.listeners[this.head];
        const body = this.bodies[this.head];
        this.frames[this.head] = undefined;
        this.listeners[this.head] = undefined;
        this.bodies[this.head] = undefined;
        this.head++;
        this.queuedBytes -= frame.length + (body?.length ?? 0);
        if (listener?.settled) continue;
        if (listener) batch.listeners.push(listener);
        let ok = true;
        if (body !== undefined) {
          // Head with the small frames before it, then the body as it is (no copy of the body).
          group.push(frame);
          ok = writeGroup(socket, group, groupBytes + frame.length, groupDone, batch);
          groupBytes = 0;
          groupDone = undefined;
          ok = writeGroup(socket, group, body.length, listener ? done : undefined, batch, body) && ok;
        } else if (frame.length >= SMALL_FRAME) {
          // A large frame goes alone, uncopied, after the small ones gathered before it.
          if (group.length > 0) ok = writeGroup(socket, group, groupBytes, groupDone, batch);
          groupBytes = 0;
          groupDone = undefined;
          ok = writeGroup(socket, group, frame.length, listener ? done : undefined, batch, frame) && ok;
        } else {
          // Small frames go out copied together, one socket.write per group: a write costs far more
          // than copying a few hundred bytes.
          group.push(frame);
          groupBytes += frame.length;
          if (listener) groupDone = done;
          if (groupBytes < GROUP_BYTES) continue;
          ok = writeGroup(socket, group, groupBytes, groupDone, batch);
          groupBytes = 0;
          groupDone = undefined;
        }
        if (!ok) {
          this.blocked = true;
          break;
        }
      }
      if (group.length > 0 && !writeGroup(socket, group, groupBytes, groupDone, batch)) this.blocked = true;
      socket.uncork();
      // Handed to the socket, but not confirmed written while the peer does not read.
      this.unconfirmed = this.blocked ? batch.listeners : NO_LISTENERS;
      this.compact();
    }
    if (this.maxQueuedBytes > 0) this.releaseReading();
    if (!this.blocked) this.notifyIdle();
  }

  /**
   * Periodic: while blocked, fails the writes whose deadline passed (oneway requests), those queued
   * (their frames are then dropped at the next flush or purge) and those handed to the socket but not
   * confirmed (their bytes may still go out). One pass per sweep, only while the peer does not read.
   */
  expireQueuedWrites(now: number): void {
    if (!this.blocked) return;
    for (const listener of this.unconfirmed) expireWrite(listener, now);
    for (let i = this.head; i < this.listeners.length; i++) expireWrite(this.listeners[i], now);
  }

  /** Counts this writer's backlog in the server's budget; returns it. */
  private countBacklog(): number {
    const backlog = this.queuedBytes + this.socket.writableLength;
    if (this.budget !== undefined) {
      this.budget.usedBytes += backlog - this.countedBytes;
      this.countedBytes = backlog;
    }
    return backlog;
  }

  /** After a write: stop reading when this backlog, or the server's with this one large, is too big. */
  private holdReading(): void {
    const backlog = this.countBacklog();
    const gate = this.gate;
    if (backlog > this.maxQueuedBytes) gate.hold(ReadHold.writeBacklog);
    else if (
      this.budget !== undefined &&
      backlog >= this.largeBacklogBytes &&
      this.budget.usedBytes > this.budget.limitBytes
    ) {
      gate.hold(ReadHold.serverWriteBacklog);
    }
  }

  /** After a flush: read again once this backlog halved (the server's budget: or the total fits). */
  private releaseReading(): void {
    const backlog = this.countBacklog();
    const gate = this.gate;
    if (backlog <= this.maxQueuedBytes / 2) gate.release(ReadHold.writeBacklog);
    if (
      this.budget !== undefined &&
      (backlog <= this.largeBacklogBytes / 2 || this.budget.usedBytes <= this.budget.limitBytes)
    ) {
      gate.release(ReadHold.serverWriteBacklog);
    }
  }

  /** Drops queued frames nobody waits for any more; amortized O(1) per write (the queue must double). */
  private purgeEnded(): void {
    const frames: (Buffer | undefined)[] = [];
    const listeners: (WriteListener | undefined)[] = [];
    const bodies: (Buffer | undefined)[] = [];
    let bytes = 0;
    for (let i = this.head; i < this.frames.length; i++) {
      const listener = this.listeners[i];
      if (listener?.settled) continue;
      const frame = this.frames[i]!;
      const body = this.bodies[i];
      frames.push(frame);
      listeners.push(listener);
      bodies.push(body);
      bytes += frame.length + (body?.length ?? 0);
    }
    this.frames = frames;
    this.listeners = listeners;
    this.bodies = bodies;
    this.head = 0;
    this.queuedBytes = bytes;
    this.purgeAtBytes = Math.max(PURGE_MIN_BYTES, bytes * 2);
  }

  private compact(): void {
    if (this.head === this.frames.length) {
      this.frames = [];
      this.listeners = [];
      this.bodies = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.listeners = this.listeners.slice(this.head);
      this.bodies = this.bodies.slice(this.head);
      this.head = 0;
    }
  }

  private isIdle(): boolean {
    return this.failed !== undefined || (this.head === this.frames.length && !this.blocked);
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters.splice(0);
    for (const resolve of waiters) resolve();
  }
}
