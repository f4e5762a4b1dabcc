/**
 * Name-server discovery: option validation and Java's URL form, the HTTP poll against a local server
 * whose answer changes (good, bad status, garbage, blank, too slow), the user-function source, and the
 * switch itself: the current name server kept, calls in flight finishing on their connection, dropped
 * name servers' connections closed only once their calls settled.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IllegalArgumentError } from '../../src/common/errors.js';
import type { Logger } from '../../src/common/logger.js';
import { resolveClientConfig } from '../../src/client/client-config.js';
import { MQClientAPI } from '../../src/client/mq-client-api.js';
import type { RemotingInvoker } from '../../src/client/mq-client-api.js';
import { clearNewLine, NameServerDiscovery } from '../../src/client/name-server-discovery.js';
import {
  defaultNameServerDiscoveryUrl,
  resolveNameServerDiscovery,
} from '../../src/client/name-server-discovery-options.js';
import type { NameServerDiscoveryOptions } from '../../src/client/name-server-discovery-options.js';
import { createResponse } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { RequestCode } from '../../src/protocol/codes/index.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = (): void => undefined;
  return {
    warnings,
    debug: noop,
    info: noop,
    error: noop,
    warn: (obj: unknown, msg?: string) => warnings.push(`${msg ?? ''} ${JSON.stringify(obj)}`),
  } as Logger & { warnings: string[] };
}

/** Remoting double: every call waits until the test releases it; records closed channels. */
class GatedRemoting implements RemotingInvoker {
  readonly calls: { addr: string; release: () => void }[] = [];
  readonly closed: string[] = [];
  invokeSync(addr: string): Promise<RemotingCommand> {
    return new Promise((resolve) => this.calls.push({ addr, release: () => resolve(createResponse(0)) }));
  }
  invokeAsync(): Promise<RemotingCommand> {
    throw new Error('not used');
  }
  invokeOneway(): Promise<void> {
    throw new Error('not used');
  }
  closeChannel(addr: string): void {
    this.closed.push(addr);
  }
}

const routeRequest = (): RemotingCommand => createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, {});
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('options', () => {
  it("Java's URL form (MixAll.getWSAddr), domain / subgroup and the unit suffix", () => {
    assert.equal(defaultNameServerDiscoveryUrl(), 'http://jmenv.tbsite.net:8080/rocketmq/nsaddr');
    assert.equal(
      defaultNameServerDiscoveryUrl('ns.internal:80', 'prod'),
      'http://ns.internal:80/rocketmq/prod',
    );
    const resolved = resolveNameServerDiscovery({ domain: 'ns.internal' }, 'unit1');
    assert.equal(resolved?.url, 'http://ns.internal:8080/rocketmq/nsaddr-unit1?nofix=1');
    assert.equal(resolved?.initialDelayMillis, 10_000);
    assert.equal(resolved?.intervalMillis, 120_000);
    assert.equal(resolved?.timeoutMillis, 3_000);
    assert.equal(resolveNameServerDiscovery(undefined, undefined), undefined);
    assert.equal(
      resolveNameServerDiscovery({}, undefined)?.url,
      'http://jmenv.tbsite.net:8080/rocketmq/nsaddr',
    );
  });

  it('refuses bad options with what to change, at construction', () => {
    const bad: [NameServerDiscoveryOptions, RegExp][] = [
      [{ url: 'ftp://x/y' }, /url must be an http:\/\/ or https:\/\/ URL/],
      [{ url: 'not a url' }, /url must be an http/],
      [{ url: 'http://a/b', fetch: () => 'a:1' }, /takes one source/],
      [{ url: 'http://a/b', domain: 'x' }, /takes one source/],
      [{ fetch: 'a:1' as unknown as () => string }, /fetch must be a function/],
      [{ intervalMillis: 0 }, /intervalMillis must be a positive integer/],
      [{ initialDelayMillis: -1 }, /initialDelayMillis must be a non-negative integer/],
      [{ timeoutMillis: 1.5 }, /timeoutMillis must be a positive integer/],
      [{ domain: 'a/b' }, /domain must be a host name/],
      [{ subgroup: ' ' }, /subgroup must be a host name/],
    ];
    for (const [options, message] of bad) {
      assert.throws(
        () => resolveClientConfig({ nameServerDiscovery: options }),
        (e: unknown) => e instanceof IllegalArgumentError && message.test(e.message),
        JSON.stringify(options),
      );
    }
  });

  it('answers are trimmed and cut at the first line break (DefaultTopAddressing.clearNewLine)', () => {
    // Trimmed first, then cut: the space before the CR stays (Java's list parsing then trims entries).
    assert.equal(clearNewLine('  10.0.0.1:9876;10.0.0.2:9876 \r\nx'), '10.0.0.1:9876;10.0.0.2:9876 ');
    assert.equal(clearNewLine('a:1\nb:2'), 'a:1');
    assert.equal(clearNewLine('\n a:1 \n'), 'a:1');
  });
});

describe('HTTP endpoint', () => {
  let server: Server;
  let url: string;
  let answer: { status: number; body: string; delayMillis?: number } = { status: 200, body: '' };
  const requested: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      requested.push(req.url ?? '');
      const { status, body, delayMillis } = answer;
      setTimeout(() => res.writeHead(status).end(body), delayMillis ?? 0).unref();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rocketmq/nsaddr`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('applies good answers; bad ones keep the list and are logged', async () => {
    const logger = recordingLogger();
    const api = new MQClientAPI(new GatedRemoting(), { logger, random: () => 0 });
    const config = resolveNameServerDiscovery({ url, timeoutMillis: 5000 }, undefined);
    // The same endpoint polled with a short deadline, for the answer that comes too late.
    const impatient = new NameServerDiscovery({ ...config!, timeoutMillis: 100 }, api, logger);
    const discovery = new NameServerDiscovery(config!, api, logger);
    const step = async (next: typeof answer): Promise<[boolean, readonly string[]]> => {
      answer = next;
      const poller = next.delayMillis === undefined ? discovery : impatient;
      return [await poller.refresh(), api.nameServerAddressList];
    };
    const first = ['127.0.0.1:9001', '127.0.0.1:9002'];
    assert.deepEqual(await step({ status: 200, body: ' 127.0.0.1:9001;127.0.0.1:9002\n' }), [true, first]);
    assert.deepEqual(await step({ status: 200, body: '127.0.0.1:9002;127.0.0.1:9001' }), [false, first]);
    assert.deepEqual(await step({ status: 500, body: '127.0.0.1:9999' }), [false, first]);
    assert.deepEqual(await step({ status: 200, body: 'this is not a list' }), [false, first]);
    assert.deepEqual(await step({ status: 200, body: '  \n' }), [false, first]);
    assert.deepEqual(await step({ status: 200, body: '127.0.0.1:9999', delayMillis: 2000 }), [false, first]);
    assert.deepEqual(await step({ status: 200, body: '127.0.0.1:9003' }), [true, ['127.0.0.1:9003']]);
    assert.equal(logger.warnings.length, 4);
    assert.match(logger.warnings.join('\n'), /HTTP status 500/);
    assert.match(logger.warnings.join('\n'), /is not host:port/);
    assert.match(logger.warnings.join('\n'), /lists no address/);
    assert.match(logger.warnings.join('\n'), /no answer from .* within 100 ms/);
    assert.ok(requested.every((p) => p === '/rocketmq/nsaddr'));
  });

  it('a client with discovery and no list waits for the first poll, then polls on its schedule', async () => {
    answer = { status: 200, body: '127.0.0.1:9101' };
    const remoting = new GatedRemoting();
    const api = new MQClientAPI(remoting, { random: () => 0 });
    const tasks = new (await import('../../src/client/background-tasks.js')).BackgroundTasks(
      recordingLogger(),
    );
    try {
      const config = resolveClientConfig({
        nameServerDiscovery: { url, initialDelayMillis: 0, intervalMillis: 20 },
      });
      api.startNameServerDiscovery(config, tasks);
      const call = api.invokeNameServer(routeRequest, 2000);
      for (let i = 0; i < 200 && remoting.calls.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(remoting.calls[0]?.addr, '127.0.0.1:9101');
      remoting.calls[0]?.release();
      await call;
      answer = { status: 200, body: '127.0.0.1:9102' };
      for (let i = 0; i < 200 && api.nameServerAddressList[0] !== '127.0.0.1:9102'; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.deepEqual(api.nameServerAddressList, ['127.0.0.1:9102']);
      assert.deepEqual(remoting.closed, ['127.0.0.1:9101']);
    } finally {
      tasks.stop();
    }
  });
});

describe('user function', () => {
  it('a list or a string is applied; a throw, a bad value or no answer in time keeps the list', async () => {
    const logger = recordingLogger();
    const api = new MQClientAPI(new GatedRemoting(), { nameServerAddresses: ['127.0.0.1:1'], logger });
    let source: () => unknown = () => ['127.0.0.1:2', '127.0.0.1:3'];
    const config = resolveNameServerDiscovery(
      { fetch: async () => source() as string, timeoutMillis: 50 },
      undefined,
    );
    const discovery = new NameServerDiscovery(config!, api, logger);
    assert.equal(await discovery.refresh(), true);
    assert.deepEqual(api.nameServerAddressList, ['127.0.0.1:2', '127.0.0.1:3']);
    for (const bad of [
      () => {
        throw new Error('registry down');
      },
      () => 42,
      () => [],
      () => new Promise(() => undefined),
    ]) {
      source = bad;
      assert.equal(await discovery.refresh(), false);
      assert.deepEqual(api.nameServerAddressList, ['127.0.0.1:2', '127.0.0.1:3']);
    }
    assert.equal(logger.warnings.length, 4);
    assert.match(logger.warnings.join('\n'), /registry down/);
    assert.match(logger.warnings.join('\n'), /did not answer within 50 ms/);
    source = () => '127.0.0.1:4';
    assert.equal(await discovery.refresh(), true);
    assert.deepEqual(api.nameServerAddressList, ['127.0.0.1:4']);
  });
});

describe('switching lists', () => {
  it('keeps the current name server when it stays listed', () => {
    const api = new MQClientAPI(new GatedRemoting(), {
      nameServerAddresses: ['a:1', 'b:2', 'c:3'],
      random: () => 1,
    });
    assert.equal(api.currentNameServer(), 'b:2');
    assert.equal(api.switchNameServers(['d:4', 'b:2']), true);
    assert.equal(api.currentNameServer(), 'b:2');
    assert.equal(api.switchNameServers(['b:2', 'd:4', 'b:2']), false);
  });

  it('calls in flight finish on their connection; a dropped server is closed once they settled', async () => {
    const remoting = new GatedRemoting();
    const api = new MQClientAPI(remoting, { nameServerAddresses: ['old:1'], random: () => 0 });
    const inFlight = [api.invokeNameServer(routeRequest, 5000), api.invokeNameServer(routeRequest, 5000)];
    await tick();
    assert.deepEqual(
      remoting.calls.map((c) => c.addr),
      ['old:1', 'old:1'],
    );
    assert.equal(api.switchNameServers(['new:2']), true);
    assert.deepEqual(remoting.closed, []);
    const next = api.invokeNameServer(routeRequest, 5000);
    await tick();
    assert.equal(remoting.calls[2]?.addr, 'new:2');
    remoting.calls[0]?.release();
    assert.equal((await inFlight[0])?.code, 0);
    assert.deepEqual(remoting.closed, []);
    remoting.calls[1]?.release();
    assert.equal((await inFlight[1])?.code, 0);
    assert.deepEqual(remoting.closed, ['old:1']);
    remoting.calls[2]?.release();
    await next;
    // A server that comes back before its calls settled is not closed.
    const again = api.invokeNameServer(routeRequest, 5000);
    await tick();
    api.switchNameServers(['other:3']);
    api.switchNameServers(['new:2']);
    remoting.calls[3]?.release();
    await again;
    // other:3 never carried a call: closed at once when dropped; new:2 came back and stays open.
    assert.deepEqual(remoting.closed, ['old:1', 'other:3']);
  });
});
