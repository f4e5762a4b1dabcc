/**
 * `<root>/checkpoint`: a 4096-byte file rewritten in place and fdatasync'ed. The first 24 bytes are
 * Java's StoreCheckpoint layout; the rest is ours (the Java broker ignores it):
 *
 *   off 0   int64  physicMsgTimestamp  store time of the last flushed commit-log record
 *   off 8   int64  logicsMsgTimestamp  store time of the last flushed consume-queue entry
 *   off 16  int64  indexMsgTimestamp   (no index service: always 0)
 *   off 24  int64  recoverFrom         log position below which the log AND all consume queues are durable
 *   off 32  int32  nonEmptyQueues      number of consume queues holding entries at that moment
 *   off 36  int32  crc32 of bytes 0..35 (detects a torn checkpoint write)
 */
import path from 'node:path';
import { crc32 } from '../../protocol/message/crc32.js';
import type { FileIO } from './file-io.js';
import { preadSync, pwriteSync } from './file-io.js';

export const CHECKPOINT_FILE_SIZE = 4096;

export interface CheckpointData {
  physicMsgTimestamp: number;
  logicsMsgTimestamp: number;
  recoverFrom: number;
  nonEmptyQueues: number;
}

export class Checkpoint {
  private fd: number | undefined;
  readonly file: string;

  constructor(
    private readonly io: FileIO,
    rootDir: string,
  ) {
    this.file = path.join(rootDir, 'checkpoint');
  }

  /** The stored values, or undefined when the file is missing, short or fails its CRC. */
  read(): CheckpointData | undefined {
    if (!this.io.existsSync(this.file)) return undefined;
    const fd = this.io.openSync(this.file, 'r');
    try {
      const buf = preadSync(this.io, fd, 40, 0);
      if (buf.length < 40) return undefined;
      if ((crc32(buf.subarray(0, 36)) | 0) !== buf.readInt32BE(36)) return undefined;
      return {
        physicMsgTimestamp: Number(buf.readBigInt64BE(0)),
        logicsMsgTimestamp: Number(buf.readBigInt64BE(8)),
        recoverFrom: Number(buf.readBigInt64BE(24)),
        nonEmptyQueues: buf.readInt32BE(32),
      };
    } finally {
      this.io.closeSync(fd);
    }
  }

  async write(data: CheckpointData): Promise<void> {
    const io = this.io;
    if (this.fd === undefined) {
      const isNew = !io.existsSync(this.file);
      this.fd = io.openSync(this.file, isNew ? 'w+' : 'r+');
      if (io.fileSizeSync(this.fd) < CHECKPOINT_FILE_SIZE) io.ftruncateSync(this.fd, CHECKPOINT_FILE_SIZE);
      if (isNew) io.syncDirSync(path.dirname(this.file));
    }
    const buf = Buffer.alloc(40);
    buf.writeBigInt64BE(BigInt(data.physicMsgTimestamp), 0);
    buf.writeBigInt64BE(BigInt(data.logicsMsgTimestamp), 8);
    buf.writeBigInt64BE(0n, 16);
    buf.writeBigInt64BE(BigInt(data.recoverFrom), 24);
    buf.writeInt32BE(data.nonEmptyQueues, 32);
    buf.writeInt32BE(crc32(buf.subarray(0, 36)) | 0, 36);
    pwriteSync(io, this.fd, buf, 0);
    await io.fdatasync(this.fd);
  }

  /**
   * Removes the checkpoint (durably) before a full consume-queue rebuild: if the process dies half way,
   * the next start must not trust a checkpoint that vouches for queue entries the rebuild deleted.
   */
  invalidate(): void {
    this.close();
    if (!this.io.existsSync(this.file)) return;
    this.io.rmSync(this.file);
    this.io.syncDirSync(path.dirname(this.file));
  }

  close(): void {
    if (this.fd !== undefined) this.io.closeSync(this.fd);
    this.fd = undefined;
  }
}
