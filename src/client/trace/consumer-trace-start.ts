/**
 * Starting the consume trace of a consumer with enableMsgTrace: an internal producer (group
 * `_INNER_TRACE_PRODUCER-<group>-CONSUME-<n>`) on the consumer's client instance, a dispatcher, a
 * ConsumeTracer. The push consumer (consumer/push/) and the pull consumer's poll() call the tracer.
 */
import { UniqueIdGenerator } from '../../protocol/message/message-id.js';
import type { ClientConfig } from '../client-config.js';
import type { ClientInstance } from '../client-instance.js';
import { Producer } from '../producer/producer.js';
import { AsyncTraceDispatcher } from './async-trace-dispatcher.js';
import { ConsumeTracer } from './consume-tracer.js';

export type { ConsumeTracer };
import { startTraceSender } from './producer-trace.js';

export interface ConsumerTraceConfig {
  readonly consumerGroup: string;
  readonly enableMsgTrace: boolean;
  readonly traceTopic: string;
  readonly client: ClientConfig;
}

/** The tracer of a consumer that just started, or undefined (tracing off, or it could not start: logged). */
export async function startConsumeTracer(
  config: ConsumerTraceConfig,
  instance: ClientInstance,
): Promise<ConsumeTracer | undefined> {
  if (!config.enableMsgTrace) return undefined;
  const { client } = config;
  try {
    const sender = await startTraceSender((options) => new Producer(options), {
      group: config.consumerGroup,
      type: 'CONSUME',
      instance,
      client,
    });
    const dispatcher = new AsyncTraceDispatcher(sender, {
      traceTopic: config.traceTopic,
      logger: client.logger,
    });
    const ids = new UniqueIdGenerator();
    return new ConsumeTracer(dispatcher, config.consumerGroup, client.namespace, () => ids.next());
  } catch (err) {
    client.logger.warn({ group: config.consumerGroup, err: String(err) }, 'message trace could not start');
    return undefined;
  }
}
