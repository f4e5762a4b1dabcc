/** The interceptor chain around push consumer handler calls (trace, events, OpenTelemetry ride on it). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConsumeHooks } from '../../src/client/consumer/push/consume-hooks.js';
import type { ConsumeInterceptor, ConsumeReport } from '../../src/client/consumer/push/consume-hooks.js';
import { MessageQueue } from '../../src/client/message-queue.js';

const queue = new MessageQueue('T', 'broker-a', 0);
const ok = (): ConsumeReport => ({ success: true, returnType: 'SUCCESS' });

describe('ConsumeHooks', () => {
  it('runs the interceptors outermost first, each seeing the report, and returns the call value', async () => {
    const hooks = new ConsumeHooks();
    const log: string[] = [];
    const named =
      (name: string): ConsumeInterceptor =>
      async (_messages, q, next) => {
        assert.equal(q, queue);
        log.push(`${name}>`);
        const report = await next();
        log.push(`<${name}:${report.returnType}`);
        return report;
      };
    const offA = hooks.add(named('a'));
    hooks.add(named('b'));
    const value = await hooks.around([], queue, async () => (log.push('call'), 7), ok);
    assert.equal(value, 7);
    assert.deepEqual(log, ['a>', 'b>', 'call', '<b:SUCCESS', '<a:SUCCESS']);
    offA();
    log.length = 0;
    await hooks.around([], queue, async () => log.push('call'), ok);
    assert.deepEqual(log, ['b>', 'call', '<b:SUCCESS']);
  });

  it('skips idle interceptors, and still delivers when an interceptor throws or never calls next', async () => {
    const hooks = new ConsumeHooks();
    let idle = true;
    let seen = 0;
    hooks.add(
      async (_m, _q, next) => {
        seen++;
        return next();
      },
      () => idle,
    );
    let calls = 0;
    const call = async (): Promise<number> => ++calls;
    await hooks.around([], queue, call, ok);
    assert.equal(seen, 0, 'idle: left out');
    idle = false;
    await hooks.around([], queue, call, ok);
    assert.equal(seen, 1);
    hooks.add(() => Promise.reject(new Error('broken interceptor')));
    assert.equal(await hooks.around([], queue, call, ok), 3);
    assert.equal(calls, 3, 'the handler ran once per delivery');
    assert.throws(() => hooks.add('x' as never), /must be a function/);
  });
});
