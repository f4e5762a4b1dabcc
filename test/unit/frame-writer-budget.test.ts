/**
 * The server-wide write budget (write-backlog-budget.ts WriteBacklogBudget): while all connections' unsent
 * answers are over it, a connection with a large backlog stops reading; one whose peer reads (small
 * backlog) keeps reading; a drained or closed connection gives its bytes back.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameWriter, WriteBacklogBudget } from '../../src/transport/frame-writer.js';
import { ReadGate } from '../../src/transport/read-gate.js';

/** A socket whose peer reads (`reading`: every write goes at once) or not (writes stay buffered). */
class FakeSocket extends EventEmitter {
  writableLength = 0;
  destroyed = false;
  paused = false;
  constructor(public reading: boolean) {
    super();
  }
  cork(): void {}
  uncork(): void {}
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  write(data: Buffer, done?: (error?: Error | null) => void): boolean {
    if (this.reading) {
      done?.();
      return true;
    }
    this.writableLength += data.length;
    return false;
  }
  /** The peer reads from now on (and read what was buffered). */
  drainAll(): void {
    this.reading = true;
    this.writableLength = 0;
    this.emit('drain');
  }
}

const MAX_QUEUED = 4 * 1024 * 1024;

function writerOn(socket: FakeSocket, budget: WriteBacklogBudget): FrameWriter {
  return new FrameWriter(
    socket as unknown as Socket,
    MAX_QUEUED,
    new ReadGate(socket as unknown as Socket),
    budget,
  );
}

describe('server-wide write backlog budget', () => {
  it('pauses the connection with a large backlog once the total is over, not the one whose peer reads', () => {
    const budget = new WriteBacklogBudget(1024 * 1024);
    const stuckSocket = new FakeSocket(false);
    const readingSocket = new FakeSocket(true);
    const stuck = writerOn(stuckSocket, budget);
    const reading = writerOn(readingSocket, budget);
    const answer = Buffer.alloc(64 * 1024);
    for (let i = 0; i < 15; i++) stuck.write(answer);
    assert.equal(budget.usedBytes, 15 * answer.length);
    assert.equal(stuckSocket.paused, false, 'under the budget: reads on (its own limit is 4 MiB)');
    for (let i = 0; i < 2; i++) stuck.write(answer);
    assert.ok(budget.usedBytes > budget.limitBytes);
    assert.equal(stuckSocket.paused, true, 'over the budget with a large backlog: paused');
    assert.equal(stuck.readingPaused, true);
    for (let i = 0; i < 100; i++) reading.write(Buffer.alloc(300));
    assert.equal(readingSocket.paused, false, 'a peer that reads keeps reading');

    stuckSocket.drainAll();
    assert.equal(stuckSocket.paused, false, 'drained: reads again');
    assert.equal(stuck.backlogBytes, 0);
    // What is left is the reading connection's small answers, waiting for the end-of-turn flush.
    assert.equal(budget.usedBytes, reading.backlogBytes);
  });

  it('a closed connection gives its counted bytes back', () => {
    const budget = new WriteBacklogBudget(1024 * 1024);
    const socket = new FakeSocket(false);
    const writer = writerOn(socket, budget);
    for (let i = 0; i < 4; i++) writer.write(Buffer.alloc(100_000));
    assert.equal(budget.usedBytes, 400_000);
    writer.fail(new Error('closed'));
    assert.equal(budget.usedBytes, 0);
  });
});
