/**
 * Message trace records (Java client/trace/TraceDataEncoder, identical for these types in 4.9.8 and
 * 5.3.3): the body of a message on RMQ_SYS_TRACE_TOPIC is one or more records, each ended by
 * FIELD_SPLITOR (\u0002), whose fields are separated by CONTENT_SPLITOR (\u0001). Field order per type:
 *
 *   Pub             Pub, timeStamp, regionId, groupName, topic, msgId, tags, keys, storeHost,
 *                   bodyLength, costTime, msgType ordinal, offsetMsgId, success
 *   SubBefore       SubBefore, timeStamp, regionId, groupName, requestId, msgId, retryTimes, keys
 *                   (one record per message of the consumed batch)
 *   SubAfter        SubAfter, requestId, msgId, costTime, success, keys, contextCode, timeStamp,
 *                   groupName (the last two are left out for AccessChannel CLOUD; we write LOCAL)
 *   EndTransaction  EndTransaction, timeStamp, regionId, groupName, topic, msgId, tags, keys,
 *                   storeHost, msgType ordinal, transactionId, transactionState name,
 *                   fromTransactionCheck
 *   Recall (5.x)    Recall, timeStamp, regionId, groupName, topic, msgId, success — decoded only: a
 *                   4.9.8 reader skips the type, so we never write it.
 *
 * Java appends a null String as "null" (a message without tags gives tags "null"); we write the same.
 * Booleans are "true"/"false"; numbers are decimal. The record's message KEYS are the msgId of each
 * bean plus the bean's own keys (split on spaces): a query by key on the trace topic finds them.
 * Decoding follows Java's String.split: trailing empty fields are dropped before the length checks.
 */

export const TRACE_CONTENT_SPLITOR = '\u0001';
export const TRACE_FIELD_SPLITOR = '\u0002';

/** Kind of a trace record (Java TraceType): publish, recall, consume before / after, end of transaction. */
export type TraceType = 'Pub' | 'Recall' | 'SubBefore' | 'SubAfter' | 'EndTransaction';

/** Java MessageType, in ordinal order (the records carry the ordinal). */
export const TRACE_MESSAGE_TYPES = [
  'Normal_Msg',
  'Trans_Msg_Half',
  'Trans_msg_Commit',
  'Delay_Msg',
  'Order_Msg',
] as const;
/** Message type as trace records name it (Java MessageType). */
export type TraceMessageType = (typeof TRACE_MESSAGE_TYPES)[number];

/** One message of a trace record (Java TraceBean); strings default to "" as Java's. */
export interface TraceBean {
  /** Topic of the message (without namespace). */
  topic: string;
  /** The message's UNIQ_KEY. */
  msgId: string;
  /** Store-address id of the message. */
  offsetMsgId: string;
  /** undefined is written "null", as Java does for a message without tags. */
  tags: string | undefined;
  /** KEYS property. */
  keys: string | undefined;
  /** `ip:port` of the broker that stored it. */
  storeHost: string;
  /** Reconsume times of the message (consume records). */
  retryTimes: number;
  /** Body size, bytes. */
  bodyLength: number;
  /** Normal, half or delayed message. */
  msgType: TraceMessageType | undefined;
  /** Transaction id (EndTransaction records). */
  transactionId?: string | undefined;
  /** COMMIT_MESSAGE, ROLLBACK_MESSAGE or UNKNOW (Java LocalTransactionState names). */
  transactionState?: string | undefined;
  /** True when the END_TRANSACTION answered a broker check. */
  fromTransactionCheck?: boolean;
}

/** One trace event (Java TraceContext). */
export interface TraceContext {
  /** Pub, SubBefore, SubAfter, EndTransaction or Recall. */
  traceType: TraceType;
  /** When the step happened, ms since epoch. */
  timeStamp: number;
  /** Region of the broker (MSG_REGION). */
  regionId: string;
  /** Producer or consumer group. */
  groupName: string;
  /** Duration of the step, ms. */
  costTime: number;
  /** Whether the step succeeded. */
  success: boolean;
  /** Ties a SubAfter to its SubBefore (a UNIQ_KEY-shaped id). */
  requestId: string;
  /** SubAfter: ordinal of Java ConsumeReturnType (SUCCESS 0, TIME_OUT 1, EXCEPTION 2, RETURNNULL 3, FAILED 4). */
  contextCode: number;
  /** One bean per message covered by the record. */
  traceBeans: TraceBean[];
}

export function emptyTraceBean(init: Partial<TraceBean> = {}): TraceBean {
  return {
    topic: '',
    msgId: '',
    offsetMsgId: '',
    tags: '',
    keys: '',
    storeHost: '',
    retryTimes: 0,
    bodyLength: 0,
    msgType: undefined,
    ...init,
  };
}

const str = (v: string | undefined): string => (v === undefined ? 'null' : v);
const ordinal = (t: TraceMessageType | undefined): string =>
  t === undefined ? 'null' : String(TRACE_MESSAGE_TYPES.indexOf(t));

/** One trace record set as Java's encoderFromContextBean writes it, and the keys of its message. */
export function encodeTraceContext(ctx: TraceContext): { data: string; keys: string[] } {
  const records: string[] = [];
  const line = (fields: readonly (string | number | boolean)[]): void => {
    records.push(fields.map(String).join(TRACE_CONTENT_SPLITOR) + TRACE_FIELD_SPLITOR);
  };
  const first = ctx.traceBeans[0];
  switch (ctx.traceType) {
    case 'Pub':
      if (first !== undefined) {
        const b = first;
        const where = [
          ctx.timeStamp,
          ctx.regionId,
          ctx.groupName,
          b.topic,
          b.msgId,
          str(b.tags),
          str(b.keys),
        ];
        const what = [
          b.storeHost,
          b.bodyLength,
          ctx.costTime,
          ordinal(b.msgType),
          b.offsetMsgId,
          ctx.success,
        ];
        line(['Pub', ...where, ...what]);
      }
      break;
    case 'SubBefore':
      for (const b of ctx.traceBeans) {
        const where = [ctx.timeStamp, ctx.regionId, ctx.groupName, ctx.requestId];
        line(['SubBefore', ...where, b.msgId, b.retryTimes, str(b.keys)]);
      }
      break;
    case 'SubAfter':
      for (const b of ctx.traceBeans) {
        const head = [ctx.requestId, b.msgId, ctx.costTime, ctx.success, str(b.keys), ctx.contextCode];
        line(['SubAfter', ...head, ctx.timeStamp, ctx.groupName]);
      }
      break;
    case 'EndTransaction':
      if (first !== undefined) {
        const b = first;
        const where = [
          ctx.timeStamp,
          ctx.regionId,
          ctx.groupName,
          b.topic,
          b.msgId,
          str(b.tags),
          str(b.keys),
        ];
        const what = [ordinal(b.msgType), str(b.transactionId), str(b.transactionState)];
        line(['EndTransaction', ...where, b.storeHost, ...what, b.fromTransactionCheck === true]);
      }
      break;
    case 'Recall':
      if (first !== undefined) {
        line(['Recall', ctx.timeStamp, ctx.regionId, ctx.groupName, first.topic, first.msgId, ctx.success]);
      }
      break;
  }
  const keys: string[] = [];
  for (const b of ctx.traceBeans) {
    keys.push(b.msgId);
    if (b.keys !== undefined && b.keys.length > 0) keys.push(...b.keys.split(' '));
  }
  return { data: records.join(''), keys };
}

/** Java String.split: drops trailing empty strings. */
function javaSplit(s: string, sep: string): string[] {
  const parts = s.split(sep);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function int(v: string | undefined): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

function messageType(v: string | undefined): TraceMessageType | undefined {
  return TRACE_MESSAGE_TYPES[int(v)];
}

/**
 * Trace contexts of one trace message body (Java decoderFromTraceDataString). Unknown types are
 * skipped; a record too short for its type is skipped too (Java would throw on it).
 */
export function decodeTraceData(data: string): TraceContext[] {
  const out: TraceContext[] = [];
  for (const record of javaSplit(data, TRACE_FIELD_SPLITOR)) {
    const f = javaSplit(record, TRACE_CONTENT_SPLITOR);
    const at = (i: number): string => f[i] ?? '';
    const base = (traceType: TraceType): TraceContext => ({
      traceType,
      timeStamp: int(f[1]),
      regionId: at(2),
      groupName: at(3),
      costTime: 0,
      success: true,
      requestId: '',
      contextCode: 0,
      traceBeans: [],
    });
    switch (f[0]) {
      case 'Pub': {
        if (f.length < 12) continue;
        const ctx = base('Pub');
        ctx.costTime = int(f[10]);
        const bean = emptyTraceBean({
          topic: at(4),
          msgId: at(5),
          tags: at(6),
          keys: at(7),
          storeHost: at(8),
        });
        bean.bodyLength = int(f[9]);
        bean.msgType = messageType(f[11]);
        if (f.length === 13) ctx.success = at(12) === 'true';
        else if (f.length >= 14) [bean.offsetMsgId, ctx.success] = [at(12), at(13) === 'true'];
        ctx.traceBeans.push(bean);
        out.push(ctx);
        break;
      }
      case 'SubBefore': {
        if (f.length < 8) continue;
        const ctx = base('SubBefore');
        ctx.requestId = at(4);
        ctx.traceBeans.push(emptyTraceBean({ msgId: at(5), retryTimes: int(f[6]), keys: at(7) }));
        out.push(ctx);
        break;
      }
      case 'SubAfter': {
        if (f.length < 6) continue;
        const ctx = { ...base('SubAfter'), timeStamp: 0, regionId: '', groupName: '' };
        ctx.requestId = at(1);
        ctx.costTime = int(f[3]);
        ctx.success = at(4) === 'true';
        if (f.length >= 7) ctx.contextCode = int(f[6]);
        if (f.length >= 9) [ctx.timeStamp, ctx.groupName] = [int(f[7]), at(8)];
        ctx.traceBeans.push(emptyTraceBean({ msgId: at(2), keys: at(5) }));
        out.push(ctx);
        break;
      }
      case 'EndTransaction': {
        if (f.length < 13) continue;
        const ctx = base('EndTransaction');
        const bean = emptyTraceBean({
          topic: at(4),
          msgId: at(5),
          tags: at(6),
          keys: at(7),
          storeHost: at(8),
        });
        bean.msgType = messageType(f[9]);
        bean.transactionId = at(10);
        bean.transactionState = at(11);
        bean.fromTransactionCheck = at(12) === 'true';
        ctx.traceBeans.push(bean);
        out.push(ctx);
        break;
      }
      case 'Recall': {
        if (f.length < 7) continue;
        const ctx = base('Recall');
        ctx.success = at(6) === 'true';
        ctx.traceBeans.push(emptyTraceBean({ topic: at(4), msgId: at(5) }));
        out.push(ctx);
        break;
      }
      default:
        break;
    }
  }
  return out;
}
