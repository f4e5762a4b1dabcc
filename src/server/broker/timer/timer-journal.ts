/**
 * `<store>/timer/timer.journal`: which records of the timer topic (rmq_sys_wheel_timer, queue 0) are
 * finished, so the pending set can be rebuilt after a restart or a crash. Append-only, one record per
 * write (sync calls, so two writers never interleave):
 *
 *   u32 payload length | u32 CRC-32 of payload | payload
 *   payload = u8 type, then
 *     1 CHECKPOINT  i64 floor                       every timer offset < floor is finished
 *     2 DONE        u32 n, n × (i64 from, i64 to)   offsets in [from, to) finished without a delivery
 *                                                   (recall markers, recalled messages, bad records)
 *     3 DELIVERING  u32 n, n × (i64 timer offset, i64 real-queue max offset before the batch)
 *                                                   written and fsynced BEFORE the batch is put
 *     4 BATCH_OK    (empty)                         every put of the last DELIVERING batch returned OK
 *
 * Deliveries are serial (one batch at a time, the next marked only after every put of the previous
 * one succeeded), so only the LAST DELIVERING batch can be unapplied, and only when no BATCH_OK follows
 * it. Recovery checks that batch against the real queues (timer-recovery.ts). A torn or corrupt tail
 * (crash mid-write) is cut off: nothing was put for it, since puts follow the write.
 *
 * The file is rewritten (temp file + rename) as one CHECKPOINT plus DONE ranges when it grows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from '../../../protocol/message/crc32.js';
import { writeFileAtomicSync } from '../../store/file-io.js';
import { makeDirsSync } from '../../../common/make-dirs.js';

const enum RecordType {
  CHECKPOINT = 1,
  DONE = 2,
  DELIVERING = 3,
  BATCH_OK = 4,
}

const HEADER = 8;
/** A record larger than this is garbage (a batch has at most a few hundred entries). */
const MAX_PAYLOAD = 16 * 1024 * 1024;

export interface Delivering {
  readonly timerOffset: number;
  /** Max offset of the real queue before the batch was put: the delivered copy is at or after it. */
  readonly realQueueOffset: number;
}

/** What a journal says after a restart. */
export interface JournalState {
  floor: number;
  /** [from, to) ranges finished at or above the floor, unsorted. */
  done: [number, number][];
  /** The last batch marked DELIVERING with no BATCH_OK after it: maybe put, maybe not. */
  uncertain: Delivering[];
}

export class TimerJournal {
  private fd: number | undefined;
  private size = 0;

  constructor(readonly file: string) {}

  static at(storePath: string): TimerJournal {
    return new TimerJournal(path.join(storePath, 'timer', 'timer.journal'));
  }

  get bytes(): number {
    return this.size;
  }

  /** Reads the journal (cutting a torn tail) and opens it for appending. */
  open(): JournalState {
    makeDirsSync(path.dirname(this.file));
    const state: JournalState = { floor: 0, done: [], uncertain: [] };
    let data: Buffer;
    try {
      data = fs.readFileSync(this.file);
    } catch {
      data = Buffer.alloc(0);
    }
    let pos = 0;
    while (pos + HEADER <= data.length) {
      const len = data.readUInt32BE(pos);
      if (len < 1 || len > MAX_PAYLOAD || pos + HEADER + len > data.length) break;
      const payload = data.subarray(pos + HEADER, pos + HEADER + len);
      if (crc32(payload) !== data.readUInt32BE(pos + 4)) break;
      applyRecord(state, payload);
      pos += HEADER + len;
    }
    this.fd = fs.openSync(this.file, fs.existsSync(this.file) ? 'r+' : 'w+');
    if (pos < data.length) fs.ftruncateSync(this.fd, pos);
    this.size = pos;
    return state;
  }

  /** Records offsets finished without a delivery (not fsynced: a lost DONE is redone from the log). */
  done(ranges: readonly [number, number][]): void {
    if (ranges.length > 0) this.append(donePayload(ranges), false);
  }

  /** Marks a batch as about to be put; durable (fsync) before it returns. */
  delivering(batch: readonly Delivering[]): void {
    this.append(
      donePayload(
        batch.map((d) => [d.timerOffset, d.realQueueOffset]),
        RecordType.DELIVERING,
      ),
      true,
    );
  }

  /**
   * Every put of the last batch succeeded. Not fsynced: if it is lost, recovery only re-checks that
   * batch against the real queues.
   */
  batchOk(): void {
    this.append(Buffer.from([RecordType.BATCH_OK]), false);
  }

  /** Replaces the file by a CHECKPOINT at `floor` and the given DONE ranges (all above the floor). */
  compact(floor: number, done: readonly [number, number][]): void {
    const records = [checkpointPayload(floor)];
    for (let i = 0; i < done.length; i += 4096) records.push(donePayload(done.slice(i, i + 4096)));
    const framed = Buffer.concat(records.map(frame));
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    writeFileAtomicSync(this.file, framed);
    this.fd = fs.openSync(this.file, 'r+');
    this.size = framed.length;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private append(payload: Buffer, sync: boolean): void {
    if (this.fd === undefined) throw new Error('timer journal is not open');
    const framed = frame(payload);
    let done = 0;
    while (done < framed.length) {
      done += fs.writeSync(this.fd, framed, done, framed.length - done, this.size + done);
    }
    this.size += framed.length;
    if (sync) fs.fdatasyncSync(this.fd);
  }
}

function frame(payload: Buffer): Buffer {
  const head = Buffer.alloc(HEADER);
  head.writeUInt32BE(payload.length, 0);
  head.writeUInt32BE(crc32(payload), 4);
  return Buffer.concat([head, payload]);
}

function checkpointPayload(floor: number): Buffer {
  const p = Buffer.alloc(9);
  p.writeUInt8(RecordType.CHECKPOINT, 0);
  p.writeBigInt64BE(BigInt(floor), 1);
  return p;
}

/** A record of i64 pairs (DONE ranges, DELIVERING entries). */
function donePayload(ranges: readonly [number, number][], type = RecordType.DONE): Buffer {
  const p = Buffer.alloc(5 + ranges.length * 16);
  p.writeUInt8(type, 0);
  p.writeUInt32BE(ranges.length, 1);
  ranges.forEach(([from, to], i) => {
    p.writeBigInt64BE(BigInt(from), 5 + i * 16);
    p.writeBigInt64BE(BigInt(to), 13 + i * 16);
  });
  return p;
}

function applyRecord(state: JournalState, p: Buffer): void {
  const type = p.readUInt8(0);
  const pairs = (): [number, number][] => {
    const n = p.length >= 5 ? p.readUInt32BE(1) : 0;
    const out: [number, number][] = [];
    for (let i = 0; i < n && 5 + i * 16 + 16 <= p.length; i++) {
      out.push([Number(p.readBigInt64BE(5 + i * 16)), Number(p.readBigInt64BE(13 + i * 16))]);
    }
    return out;
  };
  switch (type) {
    case RecordType.CHECKPOINT:
      if (p.length >= 9) state.floor = Number(p.readBigInt64BE(1));
      state.done = [];
      state.uncertain = [];
      return;
    case RecordType.DONE:
      state.done.push(...pairs());
      return;
    case RecordType.DELIVERING:
      // The previous batch, if any, was fully put: a new batch is marked only after that.
      for (const d of state.uncertain) state.done.push([d.timerOffset, d.timerOffset + 1]);
      state.uncertain = pairs().map(([timerOffset, realQueueOffset]) => ({ timerOffset, realQueueOffset }));
      return;
    case RecordType.BATCH_OK:
      for (const d of state.uncertain) state.done.push([d.timerOffset, d.timerOffset + 1]);
      state.uncertain = [];
      return;
    default:
      return;
  }
}
