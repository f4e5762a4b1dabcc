/**
 * The store's file layer with a gate before every fdatasync, opened by the slot's FaultInjector
 * (kind 'stallFlush'). A SYNC_FLUSH put waits for that fsync, so it is answered FLUSH_DISK_TIMEOUT
 * once its syncFlushTimeoutMillis passes, as on a disk that stopped answering.
 */
import type { FileIO } from '../store/file-io.js';

export function stallableFileIO(base: FileIO, beforeFsync: () => Promise<void> | undefined): FileIO {
  return {
    ...base,
    fdatasync: (fd) => {
      const stall = beforeFsync();
      return stall === undefined ? base.fdatasync(fd) : stall.then(() => base.fdatasync(fd));
    },
  };
}
