/**
 * One flush of a FrameWriter as socket writes: frames below SMALL_FRAME bytes are copied together,
 * up to about GROUP_BYTES, into one buffer per socket.write (the per-write bookkeeping of a Node
 * stream costs more than copying a few hundred bytes); larger frames and bodies are written as they
 * are (copying them would cost more than the write). The listeners of the flush's frames are told once
 * all of its writes completed, or once with the first error.
 */
import type { Socket } from 'node:net';

export interface WriteListener {
  /** True when the frame is no longer wanted (its request ended); an unsent frame is then dropped. */
  readonly settled: boolean;
  /** Called once the frame was handed to the kernel, or with the error that prevented it. */
  onWritten(error: Error | undefined): void;
  /** Monotonic ms after which the frame, still queued behind a peer that does not read, fails. */
  readonly writeDeadline?: number;
  /** Called (by FrameWriter.expireQueuedWrites) once `writeDeadline` passed with the frame queued. */
  writeExpired?(): void;
}

/** Frames below this size are copied into groups; larger ones go alone, uncopied. */
export const SMALL_FRAME = 4096;
/** As the writer's EARLY_FLUSH_BYTES: groups rarely grow past it, so the reused buffers need not be larger. */
export const GROUP_BYTES = 16 * 1024;

/**
 * Buffers that small frames are concatenated into, reused once their write completed (Node drops a
 * chunk when it calls its write callback). A fresh buffer per group cost page faults on every group
 * written (most of the copy's time on a busy producer). A group holds under GROUP_BYTES + SMALL_FRAME.
 */
const GROUP_CAPACITY = GROUP_BYTES + SMALL_FRAME;
const MAX_SPARE_GROUPS = 8;
const spareGroups: Buffer[] = [];

/** The listeners of one flush and the socket writes of it still to complete. */
export interface WriteBatch {
  listeners: WriteListener[];
  remaining: number;
}

/** A socket.write callback. */
export type WriteDone = (error?: Error | null) => void;

/**
 * Writes `single`, or else the frames gathered in `group` (concatenated when several), and empties
 * the group. Returns socket.write's answer.
 */
export function writeGroup(
  socket: Socket,
  group: Buffer[],
  bytes: number,
  done: WriteDone | undefined,
  batch: WriteBatch,
  single?: Buffer,
): boolean {
  if (single === undefined && group.length > 1) return writeConcatenated(socket, group, bytes, done, batch);
  const data = single ?? group[0]!;
  group.length = 0;
  if (!done) return socket.write(data);
  batch.remaining++;
  return socket.write(data, done);
}

/** The frames of `group` copied into a spare buffer, given back once the socket wrote it. */
function writeConcatenated(
  socket: Socket,
  group: Buffer[],
  bytes: number,
  done: WriteDone | undefined,
  batch: WriteBatch,
): boolean {
  // A group ending with a large body's head may pass GROUP_CAPACITY: it gets a buffer of its own.
  const spare = bytes <= GROUP_CAPACITY ? spareGroups.pop() : undefined;
  const buffer = spare ?? Buffer.allocUnsafeSlow(Math.max(GROUP_CAPACITY, bytes));
  let at = 0;
  for (const frame of group) {
    buffer.set(frame, at);
    at += frame.length;
  }
  group.length = 0;
  if (done) batch.remaining++;
  return socket.write(buffer.subarray(0, bytes), (error?: Error | null) => {
    if (spareGroups.length < MAX_SPARE_GROUPS && buffer.length === GROUP_CAPACITY) spareGroups.push(buffer);
    done?.(error);
  });
}

/** One write of `batch` completed: once all did, its listeners are told (at once on an error). */
export function batchWritten(batch: WriteBatch, error: Error | undefined): void {
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
