/**
 * Pauses and resumes a socket's reading for several independent reasons: it reads only while none
 * holds it. The write backlog (frame-writer.ts), fair reading (read-turns.ts) and the bytes of requests
 * in progress (request-bytes-budget.ts) all pause a connection; without one gate, any of them resuming
 * would undo another's pause.
 */
import type { Socket } from 'node:net';

export const ReadHold = {
  /** Our answers to this peer wait unsent (it does not read them). */
  writeBacklog: 1,
  /** All connections' answers wait over the server's budget and this one's backlog is large. */
  serverWriteBacklog: 2,
  /** The connection used its share of the event-loop turn. */
  turn: 4,
  /** This connection's requests in progress hold too many body bytes (request-bytes-budget.ts). */
  requestBytes: 8,
  /** All connections' requests in progress hold too many body bytes, and this one took more. */
  serverRequestBytes: 16,
} as const;

/** Holds under which a peer's unfinished frame cannot progress (we do not read it), whatever it sends. */
export const BACKPRESSURE_HOLDS =
  ReadHold.writeBacklog | ReadHold.serverWriteBacklog | ReadHold.requestBytes | ReadHold.serverRequestBytes;

export class ReadGate {
  private holds = 0;

  constructor(private readonly socket: Socket) {}

  isHeld(reason: number): boolean {
    return (this.holds & reason) !== 0;
  }

  hold(reason: number): void {
    if (this.holds === 0) this.socket.pause();
    this.holds |= reason;
  }

  release(reason: number): void {
    if ((this.holds & reason) === 0) return;
    this.holds &= ~reason;
    if (this.holds === 0 && !this.socket.destroyed) this.socket.resume();
  }
}
