/**
 * When the broker registers with the name servers: on start, every `registerIntervalMillis`, and
 * right after a topic changes. At most one round runs at a time; a request made during a round asks
 * for exactly one more round once it ends (Java coalesces the same way through its register lock),
 * and that round only runs while the broker is still running.
 */
export class RegisterLoop {
  private registering: Promise<unknown> | undefined;
  private again = false;

  constructor(
    private readonly registerAll: () => Promise<unknown>,
    private readonly isRunning: () => boolean,
  ) {}

  /** Registers now, or once more right after the registration in progress. */
  now(): Promise<unknown> {
    if (this.registering) {
      this.again = true;
      return this.registering;
    }
    this.registering = this.registerAll().finally(() => {
      this.registering = undefined;
      if (this.again && this.isRunning()) {
        this.again = false;
        void this.now();
      }
    });
    return this.registering;
  }

  /** Registers (now or after the round in progress) if the broker is running; never rejects. */
  soon(): void {
    if (this.isRunning()) void this.now();
  }

  /** Settles when the round in progress (if any) has ended, whatever its outcome. */
  async idle(): Promise<void> {
    await this.registering?.catch(() => undefined);
  }
}
