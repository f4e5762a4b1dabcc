/**
 * How the transactions this broker saw ended, by transaction key (half-messages.ts transactionKey):
 * what lets END_TRANSACTION and the check service see that a transaction is already over even when
 * the request or the check names another copy of its half message. Java keeps no such table (a
 * second commit of a transaction writes its message twice); the op records carry the state and the
 * key, so the table is rebuilt from the op queue at start. (Op records written before the key was the
 * first half's offset name a group + UNIQ_KEY: nothing asks for those keys any more.)
 *
 * ENDING marks a commit or rollback in progress (its records not written yet): a second END for the
 * same transaction, or the check service, leaves it alone until it is settled.
 */
import type { EndState } from './half-messages.js';

export type LedgerState = EndState | 'ENDING' | 'DISCARDED';

/** Keys remembered; the oldest are forgotten first (a Map iterates in insertion order). */
export const DEFAULT_LEDGER_CAPACITY = 200_000;

export class TransactionLedger {
  private readonly states = new Map<string, LedgerState>();

  constructor(private readonly capacity = DEFAULT_LEDGER_CAPACITY) {}

  get(key: string): LedgerState | undefined {
    return this.states.get(key);
  }

  set(key: string, state: LedgerState): void {
    this.states.delete(key);
    this.states.set(key, state);
    while (this.states.size > this.capacity) {
      const oldest = this.states.keys().next().value as string;
      this.states.delete(oldest);
    }
  }

  /** Forgets an ENDING mark whose commit or rollback failed. */
  clearEnding(key: string): void {
    if (this.states.get(key) === 'ENDING') this.states.delete(key);
  }

  get size(): number {
    return this.states.size;
  }
}
