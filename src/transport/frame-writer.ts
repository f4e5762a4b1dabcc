/**
 * Outgoing frames of one socket: batching and backpressure.
 *
 * - Batching: frames written during one pass of the event loop are queued and flushed together from a
 *   setImmediate, between cork() and uncork(), so Node hands them to the kernel in one writev call.
 * - Backpressure: once socket.write() returns false we stop handing frames to the socket and keep them
 *   in our queue until 'drain'. Frames whose request already ended (timed out) are dropped unsent.
 * - Optionally (server side) reading is paused while more than `maxQueuedBytes` wait, so a peer that
 *   sends requests but never reads the answers cannot make us buffer without limit. The client never
 *   pauses: its incoming data (responses) never adds to its outgoing queue, and pausing there could
 *   deadlock two peers that both stopped reading.
 */
import type { Socket } from 'node:net';

export interface WriteListener {
  /** True when the frame is no longer wanted (its request ended); an unsent frame is then dropped. */
  readonly settled: boolean;
  /** Called once the frame was handed to the kernel, or with the error that prevented it. */
  onWritten(error: Error | undefined): void;
}

interface Batch {
  listeners: WriteListener[];
  remaining: number;
}

export class FrameWriter {
  private frames: (Buffer | undefined)[] = [];
  private listeners: (WriteListener | undefined)[] = [];
  private head = 0;
  private queuedBytes = 0;
  private blocked = false;
  private scheduled = false;
  private failed: Error | undefined;
  private pausedReading = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly socket: Socket,
    /** 0 = never pause reading. */
    private readonly maxQueuedBytes: number,
  ) {
    socket.on('drain', () => {
      this.blocked = false;
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

  write(frame: Buffer, listener?: WriteListener): void {
    if (this.failed) {
      listener?.onWritten(this.failed);
      return;
    }
    this.frames.push(frame);
    this.listeners.push(listener);
    this.queuedBytes += frame.length;
    if (this.maxQueuedBytes > 0 && !this.pausedReading && this.backlogBytes > this.maxQueuedBytes) {
      this.pausedReading = true;
      this.socket.pause();
    }
    if (!this.scheduled && !this.blocked) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
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
    this.frames = [];
    this.listeners = [];
    this.head = 0;
    this.queuedBytes = 0;
    for (const listener of listeners) listener?.onWritten(error);
    this.notifyIdle();
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.blocked || this.failed || this.socket.destroyed) return;
    if (this.head < this.frames.length) {
      const batch: Batch = { listeners: [], remaining: 0 };
      const done = (error?: Error | null): void => this.batchWritten(batch, error ?? undefined);
      this.socket.cork();
      while (this.head < this.frames.length) {
        const frame = this.frames[this.head]!;
        const listener = this.listeners[this.head];
        this.frames[this.head] = undefined;
        this.listeners[this.head] = undefined;
        this.head++;
        this.queuedBytes -= frame.length;
        if (listener?.settled) continue;
        let ok: boolean;
        if (listener) {
          batch.listeners.push(listener);
          batch.remaining++;
          ok = this.socket.write(frame, done);
        } else {
          ok = this.socket.write(frame);
        }
        if (!ok) {
          this.blocked = true;
          break;
        }
      }
      this.socket.uncork();
      this.compact();
    }
    if (this.pausedReading && this.backlogBytes <= this.maxQueuedBytes / 2) {
      this.pausedReading = false;
      this.socket.resume();
    }
    if (!this.blocked) this.notifyIdle();
  };

  private batchWritten(batch: Batch, error: Error | undefined): void {
    if (error) {
      // Node calls every callback of a failed batch with the error; report each listener once.
      const listeners = batch.listeners.splice(0);
      batch.remaining = 0;
      for (const listener of listeners) listener.onWritten(error);
      return;
    }
    if (--batch.remaining === 0) {
      for (const listener of batch.listeners) listener.onWritten(undefined);
    }
  }

  private compact(): void {
    if (this.head === this.frames.length) {
      this.frames = [];
      this.listeners = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.listeners = this.listeners.slice(this.head);
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
