/**
 * The bounds on request bodies in progress (request-bytes-budget.ts): one connection over its own
 * limit stops reading until its bytes halve; a connection that takes bytes while the server's total is
 * over stops reading until the total fits (then every such connection reads again); a connection that
 * takes none is never held; a closed connection's bytes leave the total.
 */
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReadGate, ReadHold } from '../../src/transport/read-gate.js';
import { RequestBytesBudget, RequestBytesTracker } from '../../src/transport/request-bytes-budget.js';

class FakeSocket {
  destroyed = false;
  paused = false;
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
}

function connectionOf(budget: RequestBytesBudget): {
  socket: FakeSocket;
  gate: ReadGate;
  tracker: RequestBytesTracker;
} {
  const socket = new FakeSocket();
  const gate = new ReadGate(socket as unknown as Socket);
  return { socket, gate, tracker: new RequestBytesTracker(budget, gate) };
}

const MiB = 1024 * 1024;

describe('request bytes in progress', () => {
  it('holds one connection over its own limit until its bytes halve', () => {
    const budget = new RequestBytesBudget(0, 8 * MiB);
    const { socket, gate, tracker } = connectionOf(budget);
    for (let i = 0; i < 8; i++) tracker.take(MiB);
    assert.equal(socket.paused, false, 'exactly at the limit it still reads');
    tracker.take(MiB);
    assert.equal(socket.paused, true);
    assert.equal(gate.isHeld(ReadHold.requestBytes), true);
    for (let i = 0; i < 4; i++) tracker.give(MiB);
    assert.equal(socket.paused, true, '5 MiB left: over half the limit');
    tracker.give(MiB);
    assert.equal(socket.paused, false, '4 MiB left: half the limit');
    assert.equal(tracker.bytes, 4 * MiB);
    assert.equal(budget.usedBytes, 4 * MiB);
  });

  it('holds a connection taking bytes over the server total, never one that takes none', () => {
    const budget = new RequestBytesBudget(10 * MiB, 0);
    const heavy = connectionOf(budget);
    const second = connectionOf(budget);
    const quiet = connectionOf(budget);
    for (let i = 0; i < 10; i++) heavy.tracker.take(MiB);
    assert.equal(heavy.socket.paused, false, 'at the limit, not over');
    second.tracker.take(MiB);
    assert.equal(second.socket.paused, true, 'took the byte that went over');
    assert.equal(heavy.socket.paused, false, 'took nothing since the total went over');
    heavy.tracker.take(MiB);
    assert.equal(heavy.socket.paused, true);
    assert.equal(quiet.socket.paused, false, 'a connection that takes no bytes is not held');
    assert.equal(budget.usedBytes, 12 * MiB);
    assert.equal(budget.waitingCount, 2);
  });

  it('lets the held read again one per answer under the limit, first in line first; all once none is left', () => {
    const budget = new RequestBytesBudget(4 * MiB, 0);
    const filler = connectionOf(budget);
    const held = [connectionOf(budget), connectionOf(budget), connectionOf(budget)];
    filler.tracker.take(4 * MiB);
    for (const c of held) c.tracker.take(MiB);
    assert.deepEqual(
      held.map((c) => c.socket.paused),
      [true, true, true],
    );
    filler.tracker.give(MiB); // 6 MiB: still over
    assert.deepEqual(
      held.map((c) => c.socket.paused),
      [true, true, true],
    );
    filler.tracker.give(2 * MiB); // 4 MiB: fits, one in line reads
    assert.deepEqual(
      held.map((c) => c.socket.paused),
      [false, true, true],
    );
    held[0]!.tracker.take(MiB); // over again: held, back of the line
    assert.equal(held[0]!.socket.paused, true);
    held[0]!.tracker.give(2 * MiB); // 3 MiB
    assert.deepEqual(
      held.map((c) => c.socket.paused),
      [true, false, true],
    );
    filler.tracker.give(MiB); // 2 MiB
    assert.deepEqual(
      held.map((c) => c.socket.paused),
      [true, false, false],
    );
    held[1]!.tracker.give(MiB);
    assert.equal(held[0]!.socket.paused, false, 'next in line');
    held[2]!.tracker.give(MiB); // nothing left in progress, nobody waiting any more
    assert.equal(budget.usedBytes, 0);
    assert.equal(budget.waitingCount, 0);

    // With nothing left in progress, every one still in line reads at once.
    const budget2 = new RequestBytesBudget(MiB, 0);
    const a = connectionOf(budget2);
    const b = connectionOf(budget2);
    const c = connectionOf(budget2);
    a.tracker.take(2 * MiB);
    b.tracker.take(MiB);
    c.tracker.take(MiB);
    b.tracker.give(MiB); // over still: nobody
    c.tracker.give(MiB);
    assert.deepEqual([a.socket.paused, b.socket.paused, c.socket.paused], [true, true, true]);
    a.tracker.give(2 * MiB);
    assert.deepEqual([a.socket.paused, b.socket.paused, c.socket.paused], [false, false, false]);
  });

  it('keeps the holds independent of the gate`s other reasons', () => {
    const budget = new RequestBytesBudget(MiB, MiB);
    const { socket, gate, tracker } = connectionOf(budget);
    gate.hold(ReadHold.turn);
    tracker.take(2 * MiB);
    assert.equal(gate.isHeld(ReadHold.requestBytes | ReadHold.serverRequestBytes), true);
    gate.release(ReadHold.turn);
    assert.equal(socket.paused, true, 'the turn ending does not undo the budget`s hold');
    tracker.give(2 * MiB);
    assert.equal(socket.paused, false);
  });

  it('keeps a closed connection`s bytes counted until its requests settle, and takes it out of line', () => {
    const budget = new RequestBytesBudget(4 * MiB, 0);
    const closing = connectionOf(budget);
    const waiting = connectionOf(budget);
    closing.tracker.take(4 * MiB);
    waiting.tracker.take(MiB);
    closing.tracker.take(MiB);
    assert.equal(budget.waitingCount, 2);
    closing.tracker.release();
    assert.equal(budget.waitingCount, 1, 'out of line');
    assert.equal(budget.usedBytes, 6 * MiB, 'its processors still hold the bodies');
    assert.equal(waiting.socket.paused, true);
    closing.tracker.give(2 * MiB);
    assert.equal(waiting.socket.paused, false, 'its bytes coming back let the next in line read');
    closing.tracker.give(3 * MiB);
    assert.equal(budget.usedBytes, MiB);
    closing.tracker.release();
    assert.equal(budget.usedBytes, MiB, 'a second close changes nothing');
    closing.tracker.take(MiB); // a request dispatched after the close is counted, without touching the gate
    assert.equal(budget.usedBytes, 2 * MiB);
    assert.equal(budget.waitingCount, 0);
  });
});
