/**
 * The used-space check of the store's file system (Java CleanCommitLogService.isSpaceFull and
 * RunningFlags' DISK_FULL bit): above `diskSpaceWarningLevelRatio` percent used the store refuses
 * writes (SERVICE_NOT_AVAILABLE, as Java); it takes them again once usage falls to
 * `diskSpaceCleanForciblyRatio` percent or below. In between the state does not change, so usage
 * hovering around one threshold does not flap. Used = (total - free) / total, free including blocks
 * reserved for root, as Java's File.getFreeSpace.
 *
 * A write that fails with ENOSPC regardless (another process filled the disk between two checks) is
 * refused by the append pipeline, which then goes on: no flag has to be cleared for writes to resume.
 */
import type { Logger } from '../../common/logger.js';
import type { FileIO } from './file-io.js';

export class DiskSpaceGuard {
  /** Writes are refused while true. */
  full = false;
  /** Last measured usage in percent (NaN before the first successful check). */
  usedPercent = NaN;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly io: FileIO,
    private readonly dir: string,
    private readonly warningPercent: number,
    private readonly resumePercent: number,
    private readonly logger: Logger,
  ) {}

  /** Checks now, then every `intervalMs` (unref'd timer) until stop(). */
  start(intervalMs: number): void {
    this.check();
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Why writes are refused, for the put result. */
  get reason(): string {
    return `disk full: ${this.usedPercent.toFixed(1)}% of the store's file system used (refusing writes above diskSpaceWarningLevelRatio ${this.warningPercent}%, until at most ${this.resumePercent}%)`;
  }

  check(): void {
    let used: number;
    try {
      const { total, free } = this.io.diskUsageSync(this.dir);
      if (!(total > 0)) return;
      used = ((total - free) / total) * 100;
    } catch {
      return; // no statfs on this platform: rely on ENOSPC refusals alone
    }
    this.usedPercent = used;
    if (used > this.warningPercent) {
      if (!this.full) this.logger.error({ usedPercent: used, dir: this.dir }, 'disk full, refusing writes');
      this.full = true;
    } else if (used <= this.resumePercent && this.full) {
      this.logger.info({ usedPercent: used, dir: this.dir }, 'disk space OK again, taking writes');
      this.full = false;
    }
  }
}
