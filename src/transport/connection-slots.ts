/**
 * Bounds on the connections servers hold open, so that a flood of connections cannot take every file
 * descriptor of the process: past the process's open-file limit, the store could no longer open a new
 * commit-log segment or consume-queue file, nor save its config (every put to a new queue refused),
 * and no client, however well behaved, could connect.
 *
 * One `ConnectionSlots` per server (its `maxConnections`, if any) over one for the whole process
 * (PROCESS_SHARE of the open-file soft limit, read from /proc/self/limits; unbounded where that cannot
 * be read): the rest of the descriptors stay for the store and whatever else the process opens. Every
 * accepted socket takes a slot (a TLS one from before its handshake) and gives it back when it closes.
 *
 * At a bound, a newcomer takes the place of the oldest connection that has sent no whole frame for
 * SILENT_EVICT_MILLIS, of that server or, at the process's bound, of any server: a flood's idle sockets
 * or a slowloris' trickle (a client sends a request as soon as it connects).
 */
import fs from 'node:fs';
import type { Connection } from './connection.js';

/** The share of the process's open files its servers' connections may hold together. */
export const PROCESS_SHARE = 0.75;

/** A connection that sent no whole frame for this long may be closed for a newcomer at a bound. */
export const SILENT_EVICT_MILLIS = 2000;

export class ConnectionSlots {
  /** Sockets holding a slot. */
  used = 0;
  /** Connections that had sent no whole frame when last looked at, oldest first. */
  private readonly silent = new Set<Connection>();

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

  /** Takes a slot, free or not (see RemotingServer's eviction: the one it replaces is closing). */
  take(): void {
    this.used++;
    this.parent?.take();
  }

  give(): void {
    this.used--;
    this.parent?.give();
  }

  /** A new connection, silent until it sends a whole frame (Connection.spoke). */
  addSilent(connection: Connection): void {
    this.silent.add(connection);
    this.parent?.addSilent(connection);
  }

  /** A connection that closed. */
  forget(connection: Connection): void {
    this.silent.delete(connection);
    this.parent?.forget(connection);
  }

  /**
   * Closes the oldest silent connection where a slot is missing: this server's if it is at its own
   * bound, else any server's at the parent's. Returns it, or undefined when there is none.
   */
  evictSilent(now: number): Connection | undefined {
    if (this.used < this.limit) return this.parent?.evictSilent(now);
    for (const connection of this.silent) {
      if (connection.spoke || connection.closed) {
        this.silent.delete(connection);
        continue;
      }
      // The oldest is too young: so are the others (the set is in the order they were accepted).
      if (now - connection.openedAt < SILENT_EVICT_MILLIS) return undefined;
      connection.close(
        `closed for a new connection at the connection bound: no request in ${SILENT_EVICT_MILLIS} ms`,
      );
      return connection;
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
