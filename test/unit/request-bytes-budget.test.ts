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

  it('holds a connection taking bytes over the server total until it fits, never one that takes none', () => {
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
    heavy.tracker.give(MiB);
    assert.equal(heavy.socket.paused, true, '11 MiB: still over');
    heavy.tracker.give(MiB);
    assert.equal(heavy.socket.paused, false, '10 MiB fits: every held connection reads again');
    assert.equal(second.socket.paused, false, 'released by bytes another connection gave back');
    second.tracker.take(MiB);
    assert.equal(second.socket.paused, true, 'held again once it goes over again');
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

  it('takes a closed connection`s bytes out of the total and resumes the connections held for it', () => {
    const budget = new RequestBytesBudget(4 * MiB, 0);
    const closing = connectionOf(budget);
    const waiting = connectionOf(budget);
    closing.tracker.take(4 * MiB);
    waiting.tracker.take(MiB);
    assert.equal(waiting.socket.paused, true);
    closing.tracker.release();
    assert.equal(budget.usedBytes, MiB);
    assert.equal(waiting.socket.paused, false);
    // Its requests settling later give nothing back a second time, and it takes nothing more.
    closing.tracker.give(4 * MiB);
    closing.tracker.take(8 * MiB);
    assert.equal(budget.usedBytes, MiB);
    closing.tracker.release();
    assert.equal(budget.usedBytes, MiB);
  });
});
