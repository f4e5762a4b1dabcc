/** EventHub: subscription checks, listener isolation, off / once / counts, and the free path. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventHub, EventSource } from '../../src/client/events/event-hub.js';
import { IllegalArgumentError } from '../../src/common/errors.js';
import type { Logger } from '../../src/common/logger.js';

type Map1 = { ping: { n: number }; pong: { s: string } };

function hub(warnings: string[] = []): EventHub<Map1> {
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    error: () => undefined,
    warn: (obj: unknown, msg?: string) => void warnings.push(`${msg ?? ''} ${JSON.stringify(obj)}`),
  };
  return new EventHub<Map1>(new Set(['ping', 'pong']), logger);
}

class Source extends EventSource<Map1> {
  constructor(readonly events: EventHub<Map1>) {
    super();
  }

  protected get eventHub(): EventHub<Map1> {
    return this.events;
  }
}

describe('EventHub', () => {
  it('reports listening per name, and nothing without listeners', () => {
    const h = hub();
    assert.equal(h.active, false);
    assert.equal(h.listening('ping'), false);
    const off = h.on('ping', () => undefined);
    assert.equal(h.active, true);
    assert.equal(h.listening('ping'), true);
    assert.equal(h.listening('pong'), false);
    off();
    assert.equal(h.active, false);
    assert.equal(h.listenerCount(), 0);
  });

  it('refuses unknown names and non-function listeners', () => {
    const h = hub();
    assert.throws(() => h.on('pnig' as 'ping', () => undefined), IllegalArgumentError);
    assert.throws(() => h.on('ping', 42 as unknown as () => void), /must be a function/);
  });

  it('a throwing listener is logged and the others still run, in order', () => {
    const warnings: string[] = [];
    const h = hub(warnings);
    const got: string[] = [];
    h.on('ping', (p) => got.push(`a${p.n}`));
    h.on('ping', () => {
      throw new Error('boom');
    });
    h.on('ping', (p) => got.push(`c${p.n}`));
    h.emit('ping', { n: 1 });
    assert.deepEqual(got, ['a1', 'c1']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /event listener threw.*boom/);
  });

  it('a listener removed during an emit does not disturb that emit; once fires once', () => {
    const h = hub();
    const source = new Source(h);
    const got: number[] = [];
    const off = source.on('ping', (p) => {
      got.push(p.n);
      off();
    });
    source.on('ping', (p) => got.push(p.n * 10));
    source.once('pong', (p) => got.push(p.s.length));
    h.emit('ping', { n: 1 });
    h.emit('ping', { n: 2 });
    h.emit('pong', { s: 'abc' });
    h.emit('pong', { s: 'abcd' });
    assert.deepEqual(got, [1, 10, 20, 3]);
    assert.equal(source.listenerCount('ping'), 1);
    assert.equal(source.listenerCount('pong'), 0);
  });
});
