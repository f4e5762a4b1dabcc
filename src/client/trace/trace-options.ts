/** The message-trace options every client kind takes (Java ClientConfig / DefaultMQ*Consumer fields). */
import { IllegalArgumentError } from '../../common/errors.js';
import { checkTopic, SystemTopic } from '../../protocol/message/validators.js';

/** Message trace options (Java enableMsgTrace / customizedTraceTopic). */
export interface TraceOptions {
  /** Write message traces (Java enableMsgTrace). Default false. */
  enableMsgTrace?: boolean;
  /** Topic of the trace records (Java customizedTraceTopic). Default RMQ_SYS_TRACE_TOPIC. */
  customizedTraceTopic?: string;
}

export interface TraceConfig {
  readonly enableMsgTrace: boolean;
  readonly traceTopic: string;
}

export function resolveTraceOptions(options: TraceOptions): TraceConfig {
  const enable = options.enableMsgTrace ?? false;
  if (typeof enable !== 'boolean') {
    throw new IllegalArgumentError(`option enableMsgTrace must be true or false, got ${String(enable)}`);
  }
  const traceTopic = options.customizedTraceTopic ?? SystemTopic.RMQ_SYS_TRACE_TOPIC;
  checkTopic(traceTopic);
  return { enableMsgTrace: enable, traceTopic };
}
