/**
 * Reading the trace of one message back (what Java's mqadmin QueryMsgTraceById shows). Java finds
 * the trace messages with QUERY_MESSAGE by key (each trace message carries the traced msgIds as
 * KEYS); our broker keeps no message index, so this scans the trace topic from its first offset with
 * a pull consumer, keeps the trace messages whose KEYS name the msgId, and decodes their records.
 */
import { decodeTraceData } from '../../../protocol/body/trace-data.js';
import type { TraceContext } from '../../../protocol/body/trace-data.js';
import { formatAddress } from '../../../protocol/message/address.js';
import { SystemTopic } from '../../../protocol/message/validators.js';
import type { PullConsumer } from './pull-consumer.js';

/** One trace record about the message (Java TraceView). */
export interface MessageTraceView {
  /** Pub, SubBefore, SubAfter, EndTransaction or Recall. */
  readonly traceType: TraceContext['traceType'];
  /** Producer or consumer group that wrote the record. */
  readonly groupName: string;
  /** Where the record was written from (the trace message's born host). */
  readonly clientHost: string;
  /** When the traced step happened, ms since epoch. */
  readonly timeStamp: number;
  /** How long the step took, ms (send or consume time). */
  readonly costTime: number;
  /** Whether the step succeeded. */
  readonly success: boolean;
  /** Id tying a SubBefore to its SubAfter. */
  readonly requestId: string;
  /** The whole decoded trace context. */
  readonly context: TraceContext;
}

/** Options of readMessageTrace. */
export interface ReadTraceOptions {
  /** Topic holding the trace records; default RMQ_SYS_TRACE_TOPIC. */
  traceTopic?: string;
  /** Stop scanning after this many trace messages. Default 1,000,000. */
  maxScan?: number;
}

/** The trace records of `msgId`, oldest first; [] when there are none. */
export async function readMessageTrace(
  consumer: PullConsumer,
  msgId: string,
  options: ReadTraceOptions = {},
): Promise<MessageTraceView[]> {
  const topic = options.traceTopic ?? SystemTopic.RMQ_SYS_TRACE_TOPIC;
  const views: MessageTraceView[] = [];
  const scan = consumer.poll(topic, { from: 'beginning', maxMessages: options.maxScan ?? 1_000_000 });
  for await (const m of scan) {
    if (!m.keyList.includes(msgId)) continue;
    const clientHost = formatAddress(m.bornHost.ip, m.bornHost.port);
    for (const context of decodeTraceData(m.body.toString('utf8'))) {
      for (const bean of context.traceBeans) {
        if (bean.msgId !== msgId) continue;
        const { traceType, groupName, timeStamp, costTime, success, requestId } = context;
        const own = { ...context, traceBeans: [bean] };
        views.push({
          traceType,
          groupName,
          clientHost,
          timeStamp,
          costTime,
          success,
          requestId,
          context: own,
        });
      }
    }
  }
  return views.sort((a, b) => a.timeStamp - b.timeStamp);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function localTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * Java QueryMsgTraceById's table: a block per Pub record, then per consumer group its SubAfter
 * records (columns %-10s %-20s %-20s %-20s %-10s %-10s).
 */
export function formatMessageTrace(views: readonly MessageTraceView[]): string {
  const row = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, i === 0 || i === 4 ? 10 : 20))).join(' ');
  const lines: string[] = [];
  const status = (v: MessageTraceView): string => (v.success ? 'success' : 'failed');
  for (const v of views) {
    if (v.traceType !== 'Pub' && v.traceType !== 'EndTransaction') continue;
    lines.push(row(['#Type', '#ProducerGroup', '#ClientHost', '#SendTime', '#CostTimes', '#Status']));
    const what = v.traceType === 'Pub' ? status(v) : (v.context.traceBeans[0]?.transactionState ?? '');
    lines.push(
      row([
        v.traceType === 'Pub' ? 'Pub' : 'EndTx',
        v.groupName,
        v.clientHost,
        localTime(v.timeStamp),
        `${v.costTime}ms`,
        what,
      ]),
      '',
    );
  }
  const byGroup = new Map<string, MessageTraceView[]>();
  for (const v of views) {
    if (v.traceType !== 'SubAfter') continue;
    byGroup.set(v.groupName, [...(byGroup.get(v.groupName) ?? []), v]);
  }
  for (const group of byGroup.values()) {
    lines.push(row(['#Type', '#ConsumerGroup', '#ClientHost', '#ConsumerTime', '#CostTimes', '#Status']));
    for (const v of group) {
      lines.push(
        row(['Sub', v.groupName, v.clientHost, localTime(v.timeStamp), `${v.costTime}ms`, status(v)]),
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
