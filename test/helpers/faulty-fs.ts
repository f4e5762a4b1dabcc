/**
 * A FileIO over node:fs whose operations can be made to fail: `fail(op, code, when)` makes every
 * call of `op` matching `when` throw an errno-style error until `heal()` (or `once` for one call).
 * Used to inject a full disk (ENOSPC) or an EEXIST / EIO at a chosen file.
 */
import type { DiskUsage, FileIO } from '../../src/server/store/file-io.js';
import { nodeFileIO } from '../../src/server/store/file-io.js';

type Op = keyof FileIO;

interface Fault {
  readonly op: Op;
  readonly code: string;
  readonly when: (args: unknown[], paths: Map<number, string>) => boolean;
  remaining: number;
}

export class FaultyFileIO {
  readonly io: FileIO;
  /** Calls that failed, per op. */
  readonly failures = new Map<Op, number>();
  private faults: Fault[] = [];
  /** Path of each open descriptor, so faults can target a file by name. */
  private readonly paths = new Map<number, string>();
  /** What diskUsageSync answers when set (else the real file system). */
  usage: DiskUsage | undefined;

  constructor(base: FileIO = nodeFileIO) {
    const io = {} as Record<Op, (...args: unknown[]) => unknown>;
    for (const op of Object.keys(base) as Op[]) {
      const fn = (base[op] as (...args: unknown[]) => unknown).bind(base);
      io[op] = (...args: unknown[]) => {
        this.check(op, args);
        if (op === 'diskUsageSync' && this.usage !== undefined) return { ...this.usage };
        const result = fn(...args);
        if (op === 'openSync') this.paths.set(result as number, args[0] as string);
        return result;
      };
    }
    this.io = io as unknown as FileIO;
  }

  /** The path a descriptor was opened with. */
  pathOf(fd: number): string | undefined {
    return this.paths.get(fd);
  }

  fail(
    op: Op,
    code: string,
    when: (args: unknown[], paths: Map<number, string>) => boolean = () => true,
    times = Infinity,
  ): void {
    this.faults.push({ op, code, when, remaining: times });
  }

  /** Every write-like call fails with ENOSPC, as on a full file system. */
  fillDisk(): void {
    for (const op of ['writeSync', 'writev', 'ftruncateSync', 'writeFileSync'] as const) {
      this.fail(op, 'ENOSPC');
    }
  }

  heal(): void {
    this.faults = [];
  }

  private check(op: Op, args: unknown[]): void {
    for (const f of this.faults) {
      // A fault of writev also hits writevSync: the store writes small batches synchronously.
      const matches = f.op === op || (f.op === 'writev' && op === 'writevSync');
      if (!matches || f.remaining <= 0 || !f.when(args, this.paths)) continue;
      f.remaining--;
      this.failures.set(op, (this.failures.get(op) ?? 0) + 1);
      const target = typeof args[0] === 'number' ? this.paths.get(args[0]) : String(args[0]);
      throw Object.assign(new Error(`${f.code}: injected failure, ${op} '${target}'`), { code: f.code });
    }
  }
}
