/**
 * The soak's book of messages. Every send call carries a sequence number in its body and key; one send
 * call has one message id (retries reuse it), so sequence numbers stand one-to-one for message ids and
 * a few bytes per message suffice (a Set of ids would make the soak's own memory grow with its length
 * and hide what the client does).
 *
 *   acked[seq]     1 once the send resolved SEND_OK (the broker promised to keep it)
 *   consumed[seq]  times the consumer saw it (saturates at 255)
 *   ackedAt[seq]   second of the run it was acknowledged (to tell "in transit" from "overdue")
 */
export interface LedgerCounts {
  sent: number;
  acked: number;
  /** Sends that failed (their message may or may not be stored). */
  failed: number;
  /** Distinct sequence numbers consumed. */
  consumed: number;
  /** Acknowledged, not consumed (yet). */
  unconsumed: number;
  /** Acknowledged at least `overdueSeconds` ago and still not consumed. */
  overdue: number;
  /** Consumed more than once. */
  duplicated: number;
  /** Consumed although the send failed (stored, the answer lost or late). */
  storedUnacked: number;
}

export class SoakLedger {
  #acked = new Uint8Array(1 << 16);
  #consumed = new Uint8Array(1 << 16);
  #ackedAt = new Uint32Array(1 << 16);
  #next = 0;
  #failed = 0;

  /** A new sequence number for the next send. */
  nextSeq(): number {
    const seq = this.#next++;
    if (seq >= this.#acked.length) this.#grow();
    return seq;
  }

  ack(seq: number, second: number): void {
    this.#acked[seq] = 1;
    this.#ackedAt[seq] = second;
  }

  fail(): void {
    this.#failed++;
  }

  consume(seq: number): void {
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.#next) return;
    const n = this.#consumed[seq] ?? 0;
    if (n < 255) this.#consumed[seq] = n + 1;
  }

  counts(nowSecond: number, overdueSeconds: number): LedgerCounts {
    const c: LedgerCounts = {
      sent: this.#next,
      acked: 0,
      failed: this.#failed,
      consumed: 0,
      unconsumed: 0,
      overdue: 0,
      duplicated: 0,
      storedUnacked: 0,
    };
    for (let seq = 0; seq < this.#next; seq++) {
      const acked = this.#acked[seq] === 1;
      const seen = this.#consumed[seq] ?? 0;
      if (acked) c.acked++;
      if (seen > 0) c.consumed++;
      if (seen > 1) c.duplicated++;
      if (acked && seen === 0) {
        c.unconsumed++;
        if (nowSecond - (this.#ackedAt[seq] ?? 0) >= overdueSeconds) c.overdue++;
      }
      if (!acked && seen > 0) c.storedUnacked++;
    }
    return c;
  }

  #grow(): void {
    const size = this.#acked.length * 2;
    const acked = new Uint8Array(size);
    acked.set(this.#acked);
    const consumed = new Uint8Array(size);
    consumed.set(this.#consumed);
    const ackedAt = new Uint32Array(size);
    ackedAt.set(this.#ackedAt);
    this.#acked = acked;
    this.#consumed = consumed;
    this.#ackedAt = ackedAt;
  }
}
