/**
 * The slab small frames are written into by the header writers (JSON and ROCKETMQ), each frame handed
 * out as a slice of it: no frame buffer to allocate per message (Node's 8 KiB pool was renewed every
 * ~35 answers) and no copy of a header out of a scratch buffer. A slab is never reused, since a slice
 * may live on: one kept frame pins at most SLAB_BYTES.
 */
const SLAB_BYTES = 64 * 1024;

export class FrameSlab {
  /** The current slab; frames are written from `used` on. */
  buf: Buffer = Buffer.allocUnsafeSlow(0);
  used = 0;
  /**
   * True while the JSON writer writes a header: it calls the values' toString as it goes, and a frame
   * encoded by one of them meanwhile must not be written into the slab where that header goes.
   */
  writing = false;

  /** Starts a new slab unless `room` bytes are left after `used`. */
  ensureRoom(room: number): void {
    if (this.buf.length - this.used < room) {
      this.buf = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, room));
      this.used = 0;
    }
  }
}

/** The one slab of this thread's writers. */
export const frameSlab = new FrameSlab();
