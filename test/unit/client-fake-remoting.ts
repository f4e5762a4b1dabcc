/**
 * Test double of the transport for client unit tests: scripted answers per request, recorded calls.
 * Not a test file itself (no `.test.ts`).
 */
import { RemotingTimeoutError } from '../../src/common/errors.js';
import { encodeTopicRouteData } from '../../src/protocol/body/route.js';
import type { TopicRouteData } from '../../src/protocol/body/route.js';
import { ResponseCode } from '../../src/protocol/codes/index.js';
import { createResponse } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { SendMessageResponseHeader } from '../../src/protocol/headers/index.js';
import type { InstanceRemoting } from '../../src/client/index.js';

export type Mode = 'sync' | 'async' | 'oneway';
export interface Call {
  addr: string;
  request: RemotingCommand;
  mode: Mode;
  timeout: number;
  at: number;
}
/**
 * Returns a response, throws/rejects an error, or 'hang': no answer, the call times out when the fake
 * clock has reached its deadline (plus `timeoutLateness`). No real time passes.
 */
export type Handler = (call: Call) => RemotingCommand | Promise<RemotingCommand> | 'hang' | undefined;

/** A clock that only moves when told to (pass it as the producer's `clock`). */
export class FakeClock {
  constructor(public t = 1_000_000) {}
  now(): number {
    return this.t;
  }
}

export class FakeRemoting {
  readonly calls: Call[] = [];
  readonly clock = new FakeClock();
  handler: Handler = () => undefined;
  /** Fake ms between a hanging call's deadline and the moment its timeout is reported. */
  timeoutLateness = 0;
  shutdownCalled = false;

  private async dispatch(
    addr: string,
    request: RemotingCommand,
    mode: Mode,
    timeout: number,
  ): Promise<RemotingCommand> {
    // Copy what the caller may reuse, as the transport would have serialized it.
    const snapshot: RemotingCommand = { ...request, extFields: { ...(request.extFields ?? {}) } };
    const call: Call = { addr, request: snapshot, mode, timeout, at: this.clock.now() };
    this.calls.push(call);
    await Promise.resolve();
    const out = this.handler(call);
    if (out === 'hang') {
      this.clock.t = Math.max(this.clock.t, call.at + Math.max(0, timeout) + this.timeoutLateness);
      throw new RemotingTimeoutError(addr, timeout);
    }
    if (out === undefined) throw new Error(`no scripted answer for code ${request.code} to ${addr}`);
    return out;
  }

  invokeSync(addr: string, request: RemotingCommand, timeout: number): Promise<RemotingCommand> {
    return this.dispatch(addr, request, 'sync', timeout);
  }
  invokeAsync(addr: string, request: RemotingCommand, timeout: number): Promise<RemotingCommand> {
    return this.dispatch(addr, request, 'async', timeout);
  }
  async invokeOneway(addr: string, request: RemotingCommand, timeout: number): Promise<void> {
    await this.dispatch(addr, request, 'oneway', timeout);
  }
  async shutdown(): Promise<void> {
    this.shutdownCalled = true;
  }
  registerProcessor(): void {}
  registerRPCHook(): void {}
  closeChannel(): void {}

  asInstanceRemoting(): InstanceRemoting {
    return this as unknown as InstanceRemoting;
  }

  callsWithCode(code: number): Call[] {
    return this.calls.filter((c) => c.request.code === code);
  }
}

export function makeRoute(brokers: [name: string, addr: string, queues: number][]): TopicRouteData {
  return {
    queueDatas: brokers.map(([brokerName, , n]) => ({
      brokerName,
      readQueueNums: n,
      writeQueueNums: n,
      perm: 6,
      topicSysFlag: 0,
    })),
    brokerDatas: brokers.map(([brokerName, addr]) => ({
      cluster: 'C',
      brokerName,
      brokerAddrs: new Map([[0, addr]]),
    })),
    filterServerTable: new Map(),
  };
}

export function routeResponse(route: TopicRouteData): RemotingCommand {
  return createResponse(ResponseCode.SUCCESS, { body: encodeTopicRouteData(route, { standardJson: true }) });
}

export function topicNotExist(topic: string): RemotingCommand {
  return createResponse(ResponseCode.TOPIC_NOT_EXIST, {
    remark: `No topic route info in name server for the topic: ${topic}`,
  });
}

export function sendOk(
  queueId: number,
  offset = 7n,
  code: number = ResponseCode.SUCCESS,
  msgId = '0A00000100002A9F0000000000000400',
): RemotingCommand {
  return createResponse(code, {
    extFields: SendMessageResponseHeader.encode({
      msgId,
      queueId,
      queueOffset: offset,
      msgRegion: 'DefaultRegion',
      traceOn: 'true',
    }),
  });
}

export function errorResponse(code: number, remark: string): RemotingCommand {
  return createResponse(code, { remark, extFields: { MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' } });
}
