/**
 * A seeded fuzzer that attacks a running name server and broker over TCP, and an honest client that
 * checks after every round that the servers still do their job.
 *
 * Each round opens a few raw connections to each server and writes `frames` frames in total, in
 * chunks of 1..8 frames per write (so requests that race each other, e.g. a topic deletion and a send
 * for the same topic, arrive in one TCP chunk). A frame is one of:
 *   - valid: a request of a code the server serves, with header fields drawn from hostile pools (names
 *     with spaces, slashes, NUL, 10 001 characters, empty; numbers -1, 2^31-1, 2^63, "NaN", ...) and a
 *     plausible or random body (now and then one of 128-600 KiB, which a server lands: read straight
 *     into one buffer, transport/frame-landing.ts);
 *   - mutated: a valid frame with bytes flipped, cut short, or with its length fields rewritten;
 *   - over a resource limit: more header fields than the cap, a header over the length cap, or a
 *     frame of almost 16 MiB begun and never finished (the partial-frame budget);
 *   - garbage: random bytes.
 * Responses are read and dropped; a connection the server closes is reopened.
 *
 * The honest check (HonestClient) then creates a fresh topic, waits until the name server routes it
 * (which needs the broker's whole registration to be accepted), sends messages and reads every
 * acknowledged one back. Names the honest client uses never appear in the hostile pools, and the few
 * requests an unauthenticated admin may legitimately use to switch writes off (broker config, write-perm
 * wipe) are not sent: what is checked is that nothing else can break the servers.
 */
import net from 'node:net';
import tls from 'node:tls';
import { ClientErrorCode, MQClientError, Producer, PullConsumer, SendStatus } from '../../src/index.js';
import type { ClientOptions, MessageQueue } from '../../src/index.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { encodeFrame } from '../../src/protocol/frame/frame-codec.js';
import * as headers from '../../src/protocol/headers/index.js';
import type { FieldTable, HeaderCodec } from '../../src/protocol/headers/index.js';
import { rawBatchEntry } from './batch-bodies.js';
import { Prng } from './prng.js';

/** Codes an unauthenticated peer may use to switch a server's writes off on purpose (ACL's job). */
const LEGITIMATELY_DISABLING = new Set<number>([
  RequestCode.UPDATE_BROKER_CONFIG,
  RequestCode.WIPE_WRITE_PERM_OF_BROKER,
  RequestCode.UPDATE_NAMESRV_CONFIG,
]);

const ALL_CODES = Object.values(RequestCode as Record<string, number>).filter(
  (code) => typeof code === 'number' && !LEGITIMATELY_DISABLING.has(code),
);

/** Codes that carry most of the state a hostile peer can poison; drawn more often. */
const HOT_CODES = [
  RequestCode.SEND_MESSAGE,
  RequestCode.SEND_MESSAGE_V2,
  RequestCode.SEND_BATCH_MESSAGE,
  RequestCode.CONSUMER_SEND_MSG_BACK,
  RequestCode.PULL_MESSAGE,
  RequestCode.UPDATE_AND_CREATE_TOPIC,
  RequestCode.DELETE_TOPIC_IN_BROKER,
  RequestCode.UPDATE_CONSUMER_OFFSET,
  RequestCode.QUERY_CONSUMER_OFFSET,
  RequestCode.HEART_BEAT,
  RequestCode.CHECK_CLIENT_CONFIG,
  RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
  RequestCode.DELETE_SUBSCRIPTIONGROUP,
  RequestCode.LOCK_BATCH_MQ,
  RequestCode.UNLOCK_BATCH_MQ,
  RequestCode.LITE_PULL_MESSAGE,
  RequestCode.UNREGISTER_CLIENT,
  RequestCode.END_TRANSACTION,
  RequestCode.SEND_REPLY_MESSAGE,
  RequestCode.SEND_REPLY_MESSAGE_V2,
  RequestCode.RECALL_MESSAGE,
  RequestCode.GET_MAX_OFFSET,
  RequestCode.GET_MIN_OFFSET,
  RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
  RequestCode.GET_EARLIEST_MSG_STORETIME,
  RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
  RequestCode.QUERY_MESSAGE,
  RequestCode.REGISTER_BROKER,
  RequestCode.UNREGISTER_BROKER,
  RequestCode.GET_ROUTEINFO_BY_TOPIC,
  RequestCode.PUT_KV_CONFIG,
  RequestCode.DELETE_TOPIC_IN_NAMESRV,
].filter((code) => code !== undefined);

const HOSTILE_NAMES = [
  'FuzzTopic',
  'fuzz_group',
  'a b',
  'a/b',
  '../../etc',
  'x\u0000y',
  '',
  ' ',
  '%RETRY%fuzz',
  '%DLQ%fuzz',
  '%RETRY%a b',
  'TBW102',
  'SCHEDULE_TOPIC_XXXX',
  'RMQ_SYS_TRANS_HALF_TOPIC',
  'rmq_sys_x',
  'ü-topic',
  '\uD800',
  'x'.repeat(128),
  'y'.repeat(256),
  'z'.repeat(10_001),
  'DefaultCluster',
  'fuzz-broker',
  '127.0.0.1:1',
];

const HOSTILE_NUMBERS = [
  '0',
  '1',
  '-1',
  '3',
  '16',
  '255',
  '1024',
  '65536',
  '2147483647',
  '-2147483648',
  '2147483648',
  '9223372036854775807',
  '-9223372036854775808',
  '99999999999999999999999',
  'NaN',
  '1e9',
  '0x10',
  '',
  'true',
  ' 1',
];

/** Header field names (long and V2 short forms) of the requests the servers take. */
const NAME_FIELDS = [
  'topic',
  'b',
  'group',
  'consumerGroup',
  'producerGroup',
  'a',
  'defaultTopic',
  'c',
  'brokerName',
  'clusterName',
  'brokerAddr',
  'haServerAddr',
  'namespace',
  'key',
  'value',
  'originTopic',
  'originMsgId',
  'msgId',
  'offsetMsgId',
  'subscription',
  'expressionType',
  'clientId',
  'bname',
  'n',
];

const NUMBER_FIELDS = [
  'queueId',
  'e',
  'queueOffset',
  'maxMsgNums',
  'sysFlag',
  'g',
  'commitOffset',
  'suspendTimeoutMillis',
  'subVersion',
  'offset',
  'brokerId',
  'readQueueNums',
  'writeQueueNums',
  'perm',
  'topicSysFlag',
  'defaultTopicQueueNums',
  'd',
  'bornTimestamp',
  'h',
  'flag',
  'i',
  'reconsumeTimes',
  'k',
  'maxReconsumeTimes',
  'l',
  'delayLevel',
  'timestamp',
  'beginTimestamp',
  'endTimestamp',
  'timeoutMillis',
  'compressed',
  'bodyCrc32',
  'tranStateTableOffset',
  'commitLogOffset',
  'commitOrRollback',
];

const BOOL_FIELDS = ['unitMode', 'batch', 'm', 'j', 'order', 'fromTransactionCheck', 'isInner', 'compressed'];

/** The declared header of each code with one, so most frames carry every required field. */
const HEADER_OF = new Map<number, HeaderCodec<FieldTable>>(
  (
    [
      [RequestCode.SEND_MESSAGE, headers.SendMessageRequestHeader],
      [RequestCode.SEND_MESSAGE_V2, headers.SendMessageRequestHeader],
      [RequestCode.SEND_BATCH_MESSAGE, headers.SendMessageRequestHeader],
      [RequestCode.PULL_MESSAGE, headers.PullMessageRequestHeader],
      [RequestCode.LITE_PULL_MESSAGE, headers.PullMessageRequestHeader],
      [RequestCode.CONSUMER_SEND_MSG_BACK, headers.ConsumerSendMsgBackRequestHeader],
      [RequestCode.UPDATE_AND_CREATE_TOPIC, headers.CreateTopicRequestHeader],
      [RequestCode.DELETE_TOPIC_IN_BROKER, headers.DeleteTopicRequestHeader],
      [RequestCode.UPDATE_CONSUMER_OFFSET, headers.UpdateConsumerOffsetRequestHeader],
      [RequestCode.QUERY_CONSUMER_OFFSET, headers.QueryConsumerOffsetRequestHeader],
      [RequestCode.GET_MAX_OFFSET, headers.GetMaxOffsetRequestHeader],
      [RequestCode.GET_MIN_OFFSET, headers.GetMinOffsetRequestHeader],
      [RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, headers.SearchOffsetRequestHeader],
      [RequestCode.GET_EARLIEST_MSG_STORETIME, headers.GetEarliestMsgStoretimeRequestHeader],
      [RequestCode.VIEW_MESSAGE_BY_ID, headers.ViewMessageRequestHeader],
      [RequestCode.CONSUME_MESSAGE_DIRECTLY, headers.ConsumeMessageDirectlyResultRequestHeader],
      [RequestCode.GET_CONSUMER_RUNNING_INFO, headers.GetConsumerRunningInfoRequestHeader],
      [RequestCode.DELETE_SUBSCRIPTIONGROUP, headers.DeleteSubscriptionGroupRequestHeader],
      [RequestCode.CLONE_GROUP_OFFSET, headers.CloneGroupOffsetRequestHeader],
      [RequestCode.GET_TOPIC_CONFIG, headers.GetTopicConfigRequestHeader],
      [RequestCode.UNREGISTER_CLIENT, headers.UnregisterClientRequestHeader],
      [RequestCode.GET_CONSUMER_LIST_BY_GROUP, headers.GetConsumerListByGroupRequestHeader],
      [RequestCode.END_TRANSACTION, headers.EndTransactionRequestHeader],
      [RequestCode.SEND_REPLY_MESSAGE, headers.SendMessageRequestHeader],
      [RequestCode.SEND_REPLY_MESSAGE_V2, headers.SendMessageRequestHeader],
      [RequestCode.RECALL_MESSAGE, headers.RecallMessageRequestHeader],
      [RequestCode.REGISTER_BROKER, headers.RegisterBrokerRequestHeader],
      [RequestCode.UNREGISTER_BROKER, headers.UnRegisterBrokerRequestHeader],
      [RequestCode.GET_ROUTEINFO_BY_TOPIC, headers.GetRouteInfoRequestHeader],
      [RequestCode.QUERY_DATA_VERSION, headers.QueryDataVersionRequestHeader],
      [RequestCode.PUT_KV_CONFIG, headers.PutKVConfigRequestHeader],
      [RequestCode.GET_KV_CONFIG, headers.GetKVConfigRequestHeader],
      [RequestCode.DELETE_KV_CONFIG, headers.DeleteKVConfigRequestHeader],
      [RequestCode.GET_KVLIST_BY_NAMESPACE, headers.GetKVListByNamespaceRequestHeader],
      [RequestCode.DELETE_TOPIC_IN_NAMESRV, headers.DeleteTopicFromNamesrvRequestHeader],
      [RequestCode.GET_TOPICS_BY_CLUSTER, headers.GetTopicsByClusterRequestHeader],
    ] as [number, HeaderCodec<FieldTable>][]
  ).filter(([code]) => code !== undefined),
);

/** Plausible values, so that a request gets past parsing and reaches the server's logic. */
/** Subscription expressions for pulls, heartbeats and CHECK_CLIENT_CONFIG (SQL92 with enablePropertyFilter). */
const EXPRESSIONS = [
  '*',
  'TagA || TagB',
  "a > 1 AND b = 'x'",
  "TAGS IN ('TagA') OR a IS NULL",
  'a BETWEEN 1 AND 0',
  'a >',
  '((((((((((a = 1',
  'NOT '.repeat(300) + 'a',
  "'unterminated",
  'a = 1 b',
  '\u0000',
];
const EXPRESSION_TYPES = ['TAG', 'SQL92', '', 'CLASS'];

const SANE_NAMES = ['FuzzTopic', 'FuzzTopic2', 'fuzz_group', '%RETRY%fuzz_group', 'TBW102', 'fuzz-broker'];
const SANE_ADDRESSES = ['127.0.0.1:1', '127.0.0.1:10911', '[::1]:9876'];
const ADDRESS_FIELDS = new Set(['brokerAddr', 'haServerAddr', 'bornHost', 'storeHost']);
const SANE_NUMBERS = ['0', '1', '2', '3', '4', '6', '8', '16', '100'];

export interface FuzzTargets {
  broker: string;
  namesrv: string;
}

export interface RoundStats {
  frames: number;
  bytes: number;
  reconnects: number;
}

function splitAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  return { host: addr.slice(0, i), port: Number(addr.slice(i + 1)) };
}

export class ServerFuzzer {
  private readonly rng: Prng;

  constructor(
    seed: number,
    private readonly targets: FuzzTargets,
    /** Opens the hostile connections (default plain TCP; a TLS socket is used once its handshake is done). */
    private readonly openSocket: (host: string, port: number) => net.Socket = (host, port) =>
      net.connect({ host, port }),
  ) {
    this.rng = new Prng(seed);
  }

  /** Writes `frames` frames over `connections` sockets per server; resolves once all were written. */
  async round(frames: number, connections = 3): Promise<RoundStats> {
    const stats: RoundStats = { frames: 0, bytes: 0, reconnects: 0 };
    const perConnection = Math.ceil(frames / (connections * 2));
    const runs: Promise<void>[] = [];
    for (let i = 0; i < connections; i++) {
      runs.push(this.attack(this.targets.broker, perConnection, stats));
      runs.push(this.attack(this.targets.namesrv, perConnection, stats));
    }
    await Promise.all(runs);
    return stats;
  }

  private async attack(address: string, frames: number, stats: RoundStats): Promise<void> {
    let socket = await this.connect(address);
    let written = 0;
    while (written < frames) {
      if (socket.destroyed) {
        stats.reconnects++;
        socket = await this.connect(address);
      }
      const batch = Math.min(frames - written, this.rng.range(1, 8));
      const parts: Buffer[] = [];
      let broken = false;
      for (let i = 0; i < batch; i++) {
        const frame = this.frame();
        parts.push(frame.bytes);
        broken ||= frame.broken;
      }
      const chunk = Buffer.concat(parts);
      written += batch;
      stats.frames += batch;
      stats.bytes += chunk.length;
      const flushed = socket.write(chunk);
      // A broken frame usually ends the connection: give the server a moment to close it, then move on
      // to a new connection. Otherwise yield one turn so the server reads this chunk before the next arrives.
      if (broken) {
        await this.closedOrAfter(socket, 10);
        socket.destroy(); // a frame cut short would otherwise keep the server waiting for its rest
      } else if (!flushed) await this.closedOrAfter(socket, 2000, 'drain');
      else await new Promise((resolve) => setImmediate(resolve));
    }
    // Let the server answer what it got, then drop the connection (sometimes half-way, as peers do).
    await new Promise((resolve) => setTimeout(resolve, this.rng.range(0, 5)));
    socket.destroy();
  }

  /** Resolves when the socket closes, emits `event`, or `millis` passed (a stalled socket is destroyed). */
  private closedOrAfter(socket: net.Socket, millis: number, event?: 'drain'): Promise<void> {
    if (socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        socket.off('close', done);
        if (event) socket.off(event, done);
        resolve();
      };
      const timer = setTimeout(() => {
        if (event) socket.destroy();
        done();
      }, millis);
      socket.once('close', done);
      if (event) socket.once(event, done);
    });
  }

  private connect(address: string): Promise<net.Socket> {
    const { host, port } = splitAddress(address);
    return new Promise((resolve, reject) => {
      const socket = this.openSocket(host, port);
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () => resolve(socket));
      socket.once('error', reject);
    });
  }

  /**
   * One frame: valid (75 %), mutated (20 %), over a limit (0.5 %) or garbage (4.5 %); `broken` when
   * not a valid frame.
   */
  frame(): { bytes: Buffer; broken: boolean } {
    const roll = this.rng.int(20);
    if (roll === 19) {
      if (this.rng.bool(0.1)) return { bytes: this.overLimitFrame(), broken: true };
      return { bytes: this.rng.bytes(this.rng.range(1, 64)), broken: true };
    }
    const frame = this.validFrame();
    return roll < 15 ? { bytes: frame, broken: false } : { bytes: this.mutate(frame), broken: true };
  }

  private validFrame(): Buffer {
    const rng = this.rng;
    const code = rng.bool(0.7) ? rng.pick(HOT_CODES) : rng.pick(ALL_CODES);
    const extFields: Record<string, string> = {};
    const header = HEADER_OF.get(code);
    if (header !== undefined && rng.bool(0.8)) {
      // Every declared field (required always, optional mostly), a few of them hostile.
      const v2 =
        code === RequestCode.SEND_MESSAGE_V2 ||
        code === RequestCode.SEND_BATCH_MESSAGE ||
        code === RequestCode.SEND_REPLY_MESSAGE_V2;
      for (const [name, spec] of Object.entries(header.fields)) {
        if (!spec.required && rng.bool(0.3)) continue;
        const key = (v2 && spec.v2) || spec.wire || name;
        const hostile = rng.bool(0.15);
        extFields[key] =
          spec.type === 'string'
            ? name === 'properties'
              ? this.properties()
              : name === 'subscription' && !hostile
                ? rng.pick(EXPRESSIONS)
                : name === 'expressionType' && !hostile
                  ? rng.pick(EXPRESSION_TYPES)
                  : rng.pick(hostile ? HOSTILE_NAMES : ADDRESS_FIELDS.has(name) ? SANE_ADDRESSES : SANE_NAMES)
            : spec.type === 'boolean'
              ? rng.pick(hostile ? ['x', ''] : ['true', 'false'])
              : rng.pick(hostile ? HOSTILE_NUMBERS : SANE_NUMBERS);
      }
      return this.encode(code, extFields);
    }
    for (const field of NAME_FIELDS) if (rng.bool(0.25)) extFields[field] = rng.pick(HOSTILE_NAMES);
    for (const field of NUMBER_FIELDS) if (rng.bool(0.3)) extFields[field] = rng.pick(HOSTILE_NUMBERS);
    for (const field of BOOL_FIELDS) if (rng.bool(0.2)) extFields[field] = rng.pick(['true', 'false', 'x']);
    if (rng.bool(0.3)) extFields.properties = this.properties();
    return this.encode(code, extFields);
  }

  /** A frame over the servers' default limits (transport/defaults.ts): answered and closed, or dropped. */
  private overLimitFrame(): Buffer {
    const rng = this.rng;
    const code = rng.pick(HOT_CODES);
    const type = rng.bool() ? SerializeType.ROCKETMQ : SerializeType.JSON;
    switch (rng.int(4)) {
      case 0:
      case 1: {
        // More than the 1,024 header fields a header may carry.
        const extFields: Record<string, string> = {};
        for (let i = rng.range(1025, 4096); i > 0; i--) extFields[`k${i}`] = rng.pick(SANE_NUMBERS);
        return encodeFrame(createRequest(code, { extFields, opaque: rng.int32() }), type);
      }
      case 2: {
        // A header just over the 1 MiB header limit.
        const remark = 'r'.repeat(1024 * 1024 + rng.range(1, 100));
        return encodeFrame(createRequest(code, { remark, opaque: rng.int32() }), type);
      }
      default: {
        // A frame of almost 16 MiB begun and left unfinished (the connection is then dropped).
        const prefix = Buffer.alloc(4);
        prefix.writeInt32BE(16 * 1024 * 1024 - 4 - rng.int(1000));
        return Buffer.concat([prefix, rng.bytes(rng.range(0, 4096))]);
      }
    }
  }

  private encode(code: number, extFields: Record<string, string>): Buffer {
    const rng = this.rng;
    const request = createRequest(code, { extFields, opaque: rng.int32() });
    const body = this.body();
    if (body !== undefined) request.body = body;
    if (rng.bool(0.05)) request.flag = 2; // oneway
    const binaryFits = code >= -0x8000 && code <= 0x7fff; // the ROCKETMQ form has an int16 code
    return encodeFrame(request, binaryFits && rng.bool(0.3) ? SerializeType.ROCKETMQ : SerializeType.JSON);
  }

  private properties(): string {
    const rng = this.rng;
    const pairs: string[] = [];
    for (let i = rng.int(5); i > 0; i--) {
      const key = rng.pick(['TAGS', 'KEYS', 'DELAY', 'WAIT', 'UNIQ_KEY', 'TRAN_MSG', 'RETRY_TOPIC', 'x']);
      pairs.push(`${key}\u0001${rng.pick([...HOSTILE_NAMES.slice(0, 12), ...HOSTILE_NUMBERS])}`);
    }
    return pairs.join('\u0002') + (rng.bool() ? '\u0002' : '');
  }

  private body(): Buffer | undefined {
    const rng = this.rng;
    switch (rng.int(7)) {
      case 0:
        return undefined;
      case 5:
        return this.batchBody();
      case 1:
        return rng.bytes(rng.range(0, 300));
      case 2:
        return Buffer.from(this.jsonBody());
      case 3:
        return Buffer.from('hello fuzz');
      case 6:
        // Large enough to be landed; also cut short or length-rewritten when the frame is mutated.
        if (rng.bool(0.1)) return rng.bytes(rng.range(128 * 1024, 600 * 1024));
        return rng.bytes(rng.range(0, 40));
      default:
        return rng.bytes(rng.range(0, 40));
    }
  }

  /**
   * A SEND_BATCH_MESSAGE body: entries with hostile properties (old checksum entries, bytes that are
   * not UTF-8, near the 32767 limit), sometimes with one length field or byte broken.
   */
  private batchBody(): Buffer {
    const rng = this.rng;
    const entries: Buffer[] = [];
    for (let i = rng.range(1, 6); i > 0; i--) {
      const roll = rng.int(10);
      const properties =
        roll === 0
          ? Buffer.from([0x4b, 0x01, 0xc3, 0x28, 0xff, 0x02])
          : roll === 1
            ? Buffer.from(`K\u0001${'v'.repeat(rng.range(32_700, 32_770))}`)
            : roll === 2
              ? Buffer.from('__CRC32#\u00010000000001\u0002')
              : Buffer.from(this.properties());
      const body = rng.bytes(rng.range(0, 400));
      entries.push(rawBatchEntry({ flag: rng.pick([0, 1, -1, 0x7fffffff]), body, properties }));
    }
    const out = Buffer.concat(entries);
    if (rng.bool(0.3)) {
      const at = rng.range(0, out.length - 1);
      out[at] = out[at]! ^ (1 << rng.int(8));
    }
    return out;
  }

  /** JSON shaped like the bodies servers parse (heartbeat, register, lock batch, topic config). */
  private jsonBody(): string {
    const rng = this.rng;
    const name = (): string => JSON.stringify(rng.pick(HOSTILE_NAMES));
    const num = (): string => rng.pick(['0', '-1', '4', '2147483647', '1e400', '"x"', 'null']);
    const expr = (): string => JSON.stringify(rng.pick(EXPRESSIONS));
    const type = (): string => JSON.stringify(rng.pick(EXPRESSION_TYPES));
    switch (rng.int(5)) {
      case 4:
        return `{"clientId":${name()},"group":${name()},"subscriptionData":{"topic":${name()},"subString":${expr()},"expressionType":${type()},"subVersion":${num()}}}`;
      case 0:
        return `{"clientID":${name()},"producerDataSet":[{"groupName":${name()}}],"consumerDataSet":[{"groupName":${name()},"consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","subscriptionDataSet":[{"topic":${name()},"subString":${expr()},"expressionType":${type()},"tagsSet":[],"codeSet":[],"subVersion":${num()}}],"unitMode":false}]}`;
      case 1:
        return `{"topicConfigSerializeWrapper":{"topicConfigTable":{${name()}:{"topicName":${name()},"readQueueNums":${num()},"writeQueueNums":${num()},"perm":${num()},"topicFilterType":"SINGLE_TAG","topicSysFlag":0,"order":false}},"dataVersion":{"counter":${num()},"timestamp":${num()}}},"filterServerList":[]}`;
      case 2:
        return `{"consumerGroup":${name()},"clientId":${name()},"mqSet":[{"topic":${name()},"brokerName":${name()},"queueId":${num()}}]}`;
      default:
        return `{"offsetTable":{${name()}:${num()}}}`;
    }
  }

  private mutate(frame: Buffer): Buffer {
    const rng = this.rng;
    const out = Buffer.from(frame);
    switch (rng.int(4)) {
      case 0: // flip a few bytes anywhere past the length field
        for (let i = rng.range(1, 4); i > 0; i--) {
          const at = rng.range(4, out.length - 1);
          out[at] = out[at]! ^ (1 << rng.int(8));
        }
        return out;
      case 1: // cut short: the rest of the chunk desynchronises the stream
        return out.subarray(0, rng.range(1, out.length - 1));
      case 2: // header length rewritten
        out.writeInt32BE(rng.pick([0, 1, 0x00ffffff, out.length, -1]), 4);
        return out;
      default: // total length rewritten (larger frames are refused without being buffered whole)
        out.writeInt32BE(rng.pick([0, 3, 4, out.length + 100, 0x7fffffff, -5]), 0);
        return out;
    }
  }
}

/** What one honest check found wrong (empty when the servers served it fully). */
export interface HonestReport {
  problems: string[];
  sent: number;
  readBack: number;
}

/**
 * A producer and a pull consumer that must keep working whatever the fuzzer did. Each check creates a
 * new topic (so the broker must register it and the name server must take the registration), sends,
 * and reads back every acknowledged message.
 */
export class HonestClient {
  private producer: Producer | undefined;
  private consumer: PullConsumer | undefined;
  private checks = 0;

  constructor(
    private readonly namesrv: string,
    private readonly routeWaitMillis: number,
    /** Options of its producer and consumer besides the groups (e.g. tls, instanceName). */
    private readonly clientOptions: Omit<ClientOptions, 'nameServer'> = {},
  ) {}

  async start(): Promise<void> {
    const common = { ...this.clientOptions, nameServer: this.namesrv };
    this.producer = new Producer({ ...common, producerGroup: 'HonestProducer' });
    await this.producer.start();
    this.consumer = new PullConsumer({ ...common, consumerGroup: 'HonestConsumer' });
    await this.consumer.start();
  }

  async check(messages = 16): Promise<HonestReport> {
    const producer = this.producer!;
    const consumer = this.consumer!;
    const topic = `HonestTopic${++this.checks}`;
    const problems: string[] = [];
    // The first send creates the topic through TBW102; the route must then come from the name server.
    const acked = new Map<string, string>();
    const deadline = Date.now() + this.routeWaitMillis;
    for (let i = 0; i < messages; i++) {
      const body = `honest-${this.checks}-${i}`;
      try {
        const result = await this.sendOnceRouted(producer, { topic, body, keys: body }, deadline);
        if (result.sendStatus !== SendStatus.SEND_OK) problems.push(`send ${i}: ${result.sendStatus}`);
        acked.set(result.msgId, body);
      } catch (err) {
        problems.push(`send ${i}: ${(err as Error).message}`);
      }
    }
    const routed = await this.waitForRoute(topic);
    if (!routed) problems.push(`topic ${topic} never appeared in the name server's route`);
    let readBack = 0;
    try {
      const queues: MessageQueue[] = await consumer.fetchMessageQueues(topic);
      for (const mq of queues) {
        const result = await consumer.pull(mq, '*', 0n, 64);
        for (const msg of result.msgFoundList) {
          if (acked.get(msg.msgId) === msg.body.toString()) readBack++;
        }
      }
    } catch (err) {
      problems.push(`read back: ${(err as Error).message}`);
    }
    if (readBack !== acked.size) problems.push(`read back ${readBack} of ${acked.size} acknowledged`);
    return { problems, sent: acked.size, readBack };
  }

  /**
   * A route the name server lost (TBW102 deleted from it, a legitimate admin request) must come back
   * with the broker's next registration: "no route" is retried until `deadline`, nothing else is.
   */
  private async sendOnceRouted(
    producer: Producer,
    message: { topic: string; body: string; keys: string },
    deadline: number,
  ): Promise<Awaited<ReturnType<Producer['send']>>> {
    for (;;) {
      try {
        return await producer.send(message);
      } catch (err) {
        const noRoute =
          err instanceof MQClientError && err.code === ClientErrorCode.NOT_FOUND_TOPIC_EXCEPTION;
        if (!noRoute || Date.now() >= deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private async waitForRoute(topic: string): Promise<boolean> {
    const deadline = Date.now() + this.routeWaitMillis;
    while (Date.now() < deadline) {
      try {
        const queues = await this.consumer!.fetchMessageQueues(topic);
        if (queues.length > 0) return true;
      } catch {
        // not routed yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }

  async stop(): Promise<void> {
    await this.producer?.shutdown();
    await this.consumer?.shutdown();
  }
}
