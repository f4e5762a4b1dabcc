/** A count of bytes under a limit, shared by a server's connections (partial frames, landings). */
export class ByteBudget {
  private used = 0;

  constructor(readonly limitBytes: number) {}

  /** Bytes counted now. */
  get usedBytes(): number {
    return this.used;
  }

  /** Counts `bytes` more; false (nothing counted) when they would exceed the limit. */
  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.limitBytes) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}
