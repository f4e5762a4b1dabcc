/**
 * Bounds on the connections servers hold open, so that a flood of connections cannot take every file
 * descriptor of the process: past the process's open-file limit, the store could no longer open a new
 * commit-log segment or consume-queue file, nor save its config (every put to a new queue refused),
 * and no client, however well behaved, could connect.
 *
 * One `ConnectionSlots` per server (its `maxConnections`, if any) over one for the whole process
 * (PROCESS_SHARE of the open-file soft limit, read from /proc/self/limits, which Node raises to the
 * hard limit at startup; unbounded where that cannot be read): the rest of the descriptors stay for the store and whatever else the process opens. Every
 * accepted socket takes a slot (a TLS one from before its handshake) and gives it back when it closes.
 *
 * At a bound, a newcomer takes the place of the connection idle longest, if it has been idle for
 * IDLE_EVICT_MILLIS (nothing read from or written to it): of that server or, at the process's bound, of
 * any server. Idle sockets of a flood go first; a client that keeps its connection busy keeps it, and
 * one that was idle connects again when it next sends. Never closed: connections the server keeps state
 * for (RemotingChannel.markRegistered: clients that sent a heartbeat, registered brokers), whose close
 * would drop their peer from its consumer groups or routes. (Closing only connections that never sent
 * anything would not do: a flood whose sockets each send one frame would shut every newcomer out.)
 */
import fs from 'node:fs';

/** The share of the process's open files its servers' connections may hold together. */
export const PROCESS_SHARE = 0.75;
/** A connection idle this long may be closed for a newcomer at a bound. */
export const IDLE_EVICT_MILLIS = 2000;
/**
 * Connections one newcomer looks at, at most, for one idle long enough: recently active ones it passes
 * go to the back of the order, so the next newcomer looks further (no accept costs O(connections)).
 */
const EVICT_SCAN_MAX = 64;

/** A socket holding a slot, as eviction sees it (a Connection, or a TLS socket before its handshake). */
export interface SlotHolder {
  /** When bytes were last read from or written to it (or it was accepted), monotonic ms. */
  readonly lastActivity: number;
  readonly closed: boolean;
  /** The server keeps state for its peer (RemotingChannel.markRegistered): never evicted. */
  readonly registered?: boolean;
  close(reason: string): void;
}

export class ConnectionSlots {
  /** Sockets holding a slot. */
  used = 0;
  /** Holders, roughly least recently active first (see evictIdle). */
  private readonly holders = new Set<SlotHolder>();

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

  /** A holder eviction may close. */
  hold(holder: SlotHolder): void {
    this.holders.add(holder);
    this.parent?.hold(holder);
  }

  /** A holder that closed. */
  forget(holder: SlotHolder): void {
    this.holders.delete(holder);
    this.parent?.forget(holder);
  }

  /**
   * Closes a holder idle for IDLE_EVICT_MILLIS where a slot is missing: this server's if it is at its
   * own bound, else any server's at the parent's. Returns it, or undefined when none was found.
   */
  evictIdle(now: number): SlotHolder | undefined {
    if (this.used < this.limit) return this.parent?.evictIdle(now);
    const passed: SlotHolder[] = [];
    let evicted: SlotHolder | undefined;
    let looked = 0;
    for (const holder of this.holders) {
      if (looked++ === EVICT_SCAN_MAX) break;
      if (holder.closed) {
        this.holders.delete(holder);
      } else if (holder.registered === true || now - holder.lastActivity < IDLE_EVICT_MILLIS) {
        passed.push(holder);
      } else {
        evicted = holder;
        break;
      }
    }
    for (const holder of passed) {
      this.holders.delete(holder);
      this.holders.add(holder);
    }
    evicted?.close(`closed for a new connection at the connection bound: idle for ${IDLE_EVICT_MILLIS} ms`);
    return evicted;
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
