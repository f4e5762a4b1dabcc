/**
 * Bounds on the connections servers hold open, so that a flood of connections cannot take every file
 * descriptor of the process: past the process's open-file limit, the store could no longer open a new
 * commit-log segment or consume-queue file, nor save its config (every put to a new queue refused),
 * and no client, however well behaved, could connect.
 *
 * One `ConnectionSlots` per server (its `maxConnections`, if any) over one for the whole process
 * (PROCESS_SHARE of the open-file soft limit, read from /proc/self/limits, which Node raises to the
 * hard limit at startup; unbounded where that cannot be read): the rest of the descriptors stay for
 * the store and whatever else the process opens. Every accepted socket takes a slot (a TLS one from
 * before its handshake) and gives it back when it closes. (One per copy of this module: a process that
 * loads both the ESM and the CommonJS build has two such process bounds.)
 *
 * At a bound, a newcomer takes the place of the oldest connection that has not sent a request in the
 * SILENT_EVICT_MILLIS since it was accepted (a TLS socket still waiting for its first byte or its
 * handshake included), of that server or, at the process's bound, of any server: the idle sockets or
 * slow trickles of a flood. A connection that sent a request is never closed for a newcomer, however
 * idle: it may have a request in progress, a pull held by long polling, a place in a consumer group or
 * in the routes (closing it could lose an answer, or drop its peer from its group or the routes), and
 * every client sends a request as soon as it connects. The bound cannot tell a client from a flood
 * that sends a request on every socket: such a flood keeps its sockets until they idle out
 * (channelMaxIdleMillis), but the descriptors the store needs stay free.
 */
import fs from 'node:fs';

/** The share of the process's open files its servers' connections may hold together. */
export const PROCESS_SHARE = 0.75;
/** A connection that sent no request for this long after it was accepted may be closed for a newcomer. */
export const SILENT_EVICT_MILLIS = 2000;

/** A socket holding a slot, as eviction sees it (a Connection, or a TLS socket before its handshake). */
export interface SlotHolder {
  /** When it was accepted (a Connection: adopted), monotonic ms: holders are kept in this order. */
  readonly openedAt: number;
  /** True once it sent a request or answered one of ours: never closed for a newcomer from then on. */
  readonly spoke: boolean;
  readonly closed: boolean;
  close(reason: string): void;
}

export class ConnectionSlots {
  /** Sockets holding a slot. */
  used = 0;
  /** Holders that had not spoken when last looked at, in the order they were accepted. */
  private readonly silent = new Set<SlotHolder>();

  constructor(
    /** Most slots at once (Infinity = no bound of its own). */
    readonly limit: number,
    /** Slots shared with other servers (each slot taken here is also taken there). */
    private readonly parent?: ConnectionSlots,
  ) {}

  /** True when a slot is free here and in every parent. */
  get full(): boolean {
    return this.used >= this.limit || (this.parent?.full ?? false);
  }

  /** Takes a slot, free or not (after an eviction: the holder it replaces is closing). */
  take(): void {
    this.used++;
    this.parent?.take();
  }

  give(): void {
    this.used--;
    this.parent?.give();
  }

  /** A new holder (silent until it speaks). */
  hold(holder: SlotHolder): void {
    this.silent.add(holder);
    this.parent?.hold(holder);
  }

  /** A holder that closed. */
  forget(holder: SlotHolder): void {
    this.silent.delete(holder);
    this.parent?.forget(holder);
  }

  /**
   * Closes the oldest holder silent for SILENT_EVICT_MILLIS where a slot is missing: this server's if it
   * is at its own bound, else any server's at the parent's. Returns it, or undefined when there is none.
   * Holders that spoke or closed are dropped from the order as they are met: amortized O(1) per accept.
   */
  evictSilent(now: number): SlotHolder | undefined {
    if (this.used < this.limit) return this.parent?.evictSilent(now);
    for (const holder of this.silent) {
      if (holder.spoke || holder.closed) {
        this.silent.delete(holder);
        continue;
      }
      // The oldest is too young: so are the others (they are in the order they were accepted).
      if (now - holder.openedAt < SILENT_EVICT_MILLIS) return undefined;
      this.silent.delete(holder);
      holder.close(
        `closed for a new connection at the connection bound: no request in ${SILENT_EVICT_MILLIS} ms`,
      );
      return holder;
    }
    return undefined;
  }
}

/** The soft limit on open files of this process (Linux), or undefined when it cannot be read. */
export function openFilesSoftLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = fs.readFileSync('/proc/self/limits', 'latin1');
    } catch {
      return undefined;
    }
  }
  const line = /^Max open files\s+(\S+)/m.exec(text);
  if (!line) return undefined;
  const soft = Number(line[1]);
  return Number.isSafeInteger(soft) && soft > 0 ? soft : undefined; // "unlimited" reads as undefined
}

/** Slots of every server of this process (see PROCESS_SHARE). */
export const processConnectionSlots = new ConnectionSlots(
  ((soft) => (soft === undefined ? Infinity : Math.max(16, Math.floor(soft * PROCESS_SHARE))))(
    openFilesSoftLimit(),
  ),
);
