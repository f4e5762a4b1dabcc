/**
 * Message trace of a producer (Java SendMessageTraceHookImpl + EndTransactionTraceHookImpl): a send
 * hook that records a Pub context per successful attempt, an end-transaction hook that records an
 * EndTransaction context, both handed to an AsyncTraceDispatcher whose internal producer (group
 * `_INNER_TRACE_PRODUCER-<group>-PRODUCE-<n>`) shares the host's client instance.
 *
 * As in Java: a send to the trace topic itself is not traced; a failed attempt, a oneway send and a
 * result with traceOn=false (the broker's traceOn switch) record nothing; costTime is the attempt's
 * duration; groups and topics are written without the namespace.
 */
import { DEFAULT_REGION_ID } from '../../protocol/codes/misc.js';
import { emptyTraceBean } from '../../protocol/body/trace-data.js';
import type { TraceContext } from '../../protocol/body/trace-data.js';
import { MessageConst, withoutNamespace } from '../../protocol/message/index.js';
import type { Message } from '../../protocol/message/index.js';
import type { Logger } from '../../common/logger.js';
import type { SendMessageContext, SendMessageHook } from '../producer/hooks.js';
import type { EndTransactionContext, EndTransactionHook } from '../producer/transaction/transaction-types.js';
import { AsyncTraceDispatcher, TRACE_MAX_MSG_SIZE } from './async-trace-dispatcher.js';
import type { ClientConfig } from '../client-config.js';
import type { ProducerCore } from '../producer/producer-core.js';
import type { ClientInstance } from '../client-instance.js';
import type { TraceSender } from './async-trace-dispatcher.js';

export const TRACE_PRODUCER_GROUP_PREFIX = '_INNER_TRACE_PRODUCER';
let traceProducerCounter = 0;

/** Java genGroupNameForTrace: prefix-group-PRODUCE|CONSUME-counter. */
export function traceProducerGroup(group: string, type: 'PRODUCE' | 'CONSUME'): string {
  return `${TRACE_PRODUCER_GROUP_PREFIX}-${group}-${type}-${++traceProducerCounter}`;
}

const TRACE_CONTEXT = 'traceContext';

export function newTraceContext(init: Partial<TraceContext> & Pick<TraceContext, 'traceType'>): TraceContext {
  return {
    timeStamp: Date.now(),
    regionId: '',
    groupName: '',
    costTime: 0,
    success: true,
    requestId: '',
    contextCode: 0,
    traceBeans: [],
    ...init,
  };
}

export class ProducerTrace {
  readonly dispatcher: AsyncTraceDispatcher;

  constructor(
    sender: TraceSender,
    traceTopic: string,
    private readonly namespace: string | undefined,
    logger: Logger,
  ) {
    this.dispatcher = new AsyncTraceDispatcher(sender, { traceTopic, logger });
  }

  private isTraceTopic(message: Message | { topic: string }): boolean {
    return message.topic.startsWith(this.dispatcher.traceTopic);
  }

  readonly sendHook: SendMessageHook = {
    hookName: 'SendMessageTraceHook',
    sendMessageBefore: (context: SendMessageContext) => {
      const message = context.message;
      if (this.isTraceTopic(message)) return;
      const bean = emptyTraceBean({
        topic: withoutNamespace(message.topic, this.namespace),
        tags: message.tags,
        keys: message.keys,
        storeHost: context.brokerAddr,
        bodyLength: message.bodyBytes().length,
        msgType: context.msgType,
      });
      const group = withoutNamespace(context.producerGroup, this.namespace);
      context.props.set(
        TRACE_CONTEXT,
        newTraceContext({ traceType: 'Pub', groupName: group, traceBeans: [bean] }),
      );
    },
    sendMessageAfter: (context: SendMessageContext) => {
      const ctx = context.props.get(TRACE_CONTEXT) as TraceContext | undefined;
      const result = context.sendResult;
      if (ctx === undefined || result === undefined || !result.traceOn) return;
      const bean = ctx.traceBeans[0];
      if (bean === undefined) return;
      ctx.costTime = Date.now() - ctx.timeStamp;
      ctx.success = result.sendStatus === 'SEND_OK';
      ctx.regionId = result.regionId;
      bean.msgId = result.msgId;
      bean.offsetMsgId = result.offsetMsgId;
      this.dispatcher.append(ctx);
    },
  };

  readonly endTransactionHook: EndTransactionHook = {
    hookName: 'EndTransactionTraceHook',
    endTransaction: (context: EndTransactionContext) => {
      const message = context.message as {
        topic: string;
        tags?: string | undefined;
        keys?: string | undefined;
      };
      if (this.isTraceTopic(message)) return;
      const props = (context.message as { properties?: Record<string, string> }).properties;
      const bean = emptyTraceBean({
        topic: withoutNamespace(message.topic, this.namespace),
        msgId: context.msgId,
        tags: message.tags,
        keys: message.keys,
        storeHost: context.brokerAddr ?? '',
        msgType: 'Trans_msg_Commit',
        transactionId: context.transactionId,
        transactionState: context.transactionState,
        fromTransactionCheck: context.fromTransactionCheck,
      });
      const regionId = props?.[MessageConst.PROPERTY_MSG_REGION] || DEFAULT_REGION_ID;
      const group = withoutNamespace(context.producerGroup, this.namespace);
      this.dispatcher.append(
        newTraceContext({ traceType: 'EndTransaction', regionId, groupName: group, traceBeans: [bean] }),
      );
    },
  };

  shutdown(timeoutMillis?: number): Promise<void> {
    return this.dispatcher.shutdown(timeoutMillis);
  }
}

/** The few Producer members tracing needs (a factory hands one over: trace/ must not build it itself). */
export interface TraceProducerLike {
  start(): Promise<void>;
  send(message: Message): Promise<unknown>;
  shutdown(options?: { timeoutMillis?: number }): Promise<void>;
}

export interface TraceProducerOptions {
  producerGroup: string;
  clientInstance: ClientInstance;
  nameServer: readonly string[];
  logger: Logger;
  sendMsgTimeout: number;
  maxMessageSize: number;
}

/** Starts the internal trace producer on the host's client instance (Java getAndCreateTraceProducer). */
export async function startTraceSender(
  create: (options: TraceProducerOptions) => TraceProducerLike,
  host: { group: string; type: 'PRODUCE' | 'CONSUME'; instance: ClientInstance; client: ClientConfig },
): Promise<TraceSender> {
  const producer = create({
    producerGroup: traceProducerGroup(host.group, host.type),
    clientInstance: host.instance,
    nameServer: host.client.nameServerAddresses,
    logger: host.client.logger,
    sendMsgTimeout: 5000,
    maxMessageSize: TRACE_MAX_MSG_SIZE,
  });
  await producer.start();
  return {
    send: (message) => producer.send(message),
    shutdown: () => producer.shutdown({ timeoutMillis: 1000 }),
  };
}

/**
 * With enableMsgTrace, starts the trace of a producer that just started and registers its send hook
 * (a transaction producer adds the end-transaction hook). A trace that cannot start is logged and
 * left out, as Java does: the producer works without it.
 */
export async function startProducerTrace(
  core: ProducerCore,
  instance: ClientInstance,
  create: (options: TraceProducerOptions) => TraceProducerLike,
): Promise<void> {
  const config = core.config;
  if (!config.enableMsgTrace) return;
  const host = { group: config.producerGroup, type: 'PRODUCE' as const, instance, client: config.client };
  try {
    const sender = await startTraceSender(create, host);
    core.trace = new ProducerTrace(sender, config.traceTopic, config.client.namespace, core.logger);
    core.sendHooks.push(core.trace.sendHook);
  } catch (err) {
    core.logger.warn({ group: config.producerGroup, err: String(err) }, 'message trace could not start');
  }
}
