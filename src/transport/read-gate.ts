/**
 * Pauses and resumes a socket's reading for several independent reasons: it reads only while none
 * holds it. The write backlog (frame-writer.ts) and fair reading (read-turns.ts) both pause a
 * connection; without one gate, either resuming would undo the other's pause.
 */
import type { Socket } from 'node:net';

export const ReadHold = {
  /** Our answers to this peer wait unsent (it does not read them). */
  writeBacklog: 1,
  /** All connections' answers wait over the server's budget and this one's backlog is large. */
  serverWriteBacklog: 2,
  /** The connection used its share of the event-loop turn. */
  turn: 4,
} as const;

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
