/**
 * `rmq offset reset`: moves a consumer group's offsets on a topic, as mqadmin resetOffsetByTime
 * (Java ResetOffsetByTimeCommand): INVOKE_BROKER_TO_RESET_OFFSET on the master of every broker of the
 * topic's route, whose online consumers take the new offsets. A broker answering CONSUMER_NOT_ONLINE
 * gets the tool's old path instead (ResetOffsetByTimeOldCommand): per read queue, the target offset
 * (GET_MAX_OFFSET or SEARCH_OFFSET_BY_TIMESTAMP) is committed with UPDATE_CONSUMER_OFFSET when --force
 * or when it is not above the group's offset (QUERY_CONSUMER_OFFSET; none: the queue's min offset).
 */
import { decodeResetOffsetBody } from '../../protocol/body/reset-offset-body.js';
import { RequestCode, ResponseCode } from '../../protocol/codes/index.js';
import { createRequest } from '../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { ResetOffsetRequestHeader } from '../../protocol/headers/client.js';
import {
  GetMaxOffsetRequestHeader,
  GetMaxOffsetResponseHeader,
  GetMinOffsetRequestHeader,
  GetMinOffsetResponseHeader,
  QueryConsumerOffsetRequestHeader,
  QueryConsumerOffsetResponseHeader,
  SearchOffsetRequestHeader,
  SearchOffsetResponseHeader,
  UpdateConsumerOffsetRequestHeader,
} from '../../protocol/headers/offsets.js';
import { intFlag, parseFlags } from '../args.js';
import { CliError } from '../cli-error.js';
import { NAMESRV_FLAG, TIMEOUT_MS_FLAG } from '../flags.js';
import { CLIENT_TLS_FLAGS, clientTlsFromFlags } from '../tls-flags.js';
import { ACL_CLIENT_FLAGS, credentialsFromFlags } from '../acl-flags.js';
import { expectSuccess, nameServersFrom, withAdmin } from './cluster.js';
import type { AdminSession } from './cluster.js';
import { processIo } from '../io.js';
import type { CliIo } from '../io.js';

export const description = "Reset a consumer group's offsets on a topic (offset reset)";

const USAGE =
  'rmq offset reset --namesrv ADDR --group G --topic T (--timestamp MS | --to-earliest | --to-max) [--force]';

const RESET_FLAGS = {
  namesrv: NAMESRV_FLAG,
  group: { type: 'string', value: 'GROUP', description: 'Consumer group (required)' },
  topic: { type: 'string', value: 'TOPIC', description: 'Topic (required)' },
  timestamp: {
    type: 'string',
    value: 'MS',
    description: 'To the first message stored at or after this time (epoch milliseconds)',
  },
  'to-earliest': { type: 'boolean', description: 'To the first message still stored (timestamp 0)' },
  'to-max': { type: 'boolean', description: 'To the end of each queue (timestamp -1); needs --force' },
  force: {
    type: 'boolean',
    description: 'Also move offsets forward; without it a queue whose offset is below the target keeps it',
  },
  'request-timeout': TIMEOUT_MS_FLAG,
  ...CLIENT_TLS_FLAGS,
  ...ACL_CLIENT_FLAGS,
} as const;

interface ResetRow {
  brokerName: string;
  queueId: number;
  offset: bigint;
}

/** INVOKE_BROKER_TO_RESET_OFFSET on one broker: the new offsets, or undefined when no consumer is online. */
async function resetOnBroker(
  s: AdminSession,
  addr: string,
  h: ResetOffsetRequestHeader,
): Promise<ResetRow[] | undefined> {
  const request = createRequest(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, {
    extFields: ResetOffsetRequestHeader.encode(h),
  });
  const response = await s.remoting.invokeSync(addr, request, s.timeoutMillis);
  if (response.code === ResponseCode.CONSUMER_NOT_ONLINE) return undefined;
  expectSuccess(response.code, response.remark, addr);
  return decodeResetOffsetBody(response.body ?? Buffer.from('{"offsetTable":{}}'));
}

async function offsetOf(
  s: AdminSession,
  addr: string,
  request: RemotingCommand,
  read: (ext: Record<string, string> | undefined) => bigint,
): Promise<bigint | undefined> {
  const response = await s.remoting.invokeSync(addr, request, s.timeoutMillis);
  if (request.code === RequestCode.QUERY_CONSUMER_OFFSET && response.code === ResponseCode.QUERY_NOT_FOUND) {
    return undefined;
  }
  expectSuccess(response.code, response.remark, addr);
  return read(response.extFields);
}

/** The old path, for a group with no consumer online: the tool commits the offsets itself. */
async function resetOffline(
  s: AdminSession,
  addr: string,
  brokerName: string,
  queues: number,
  h: ResetOffsetRequestHeader,
): Promise<ResetRow[]> {
  const rows: ResetRow[] = [];
  const { topic, group } = h;
  for (let queueId = 0; queueId < queues; queueId++) {
    const q = { topic, queueId };
    const consumer =
      (await offsetOf(
        s,
        addr,
        createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
          extFields: QueryConsumerOffsetRequestHeader.encode({ consumerGroup: group, ...q }),
        }),
        (ext) => QueryConsumerOffsetResponseHeader.decode(ext).offset,
      )) ??
      (await offsetOf(
        s,
        addr,
        createRequest(RequestCode.GET_MIN_OFFSET, { extFields: GetMinOffsetRequestHeader.encode(q) }),
        (ext) => GetMinOffsetResponseHeader.decode(ext).offset,
      ))!;
    const target =
      h.timestamp === -1
        ? await offsetOf(
            s,
            addr,
            createRequest(RequestCode.GET_MAX_OFFSET, { extFields: GetMaxOffsetRequestHeader.encode(q) }),
            (ext) => GetMaxOffsetResponseHeader.decode(ext).offset,
          )
        : await offsetOf(
            s,
            addr,
            createRequest(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
              extFields: SearchOffsetRequestHeader.encode({ ...q, timestamp: BigInt(h.timestamp) }),
            }),
            (ext) => SearchOffsetResponseHeader.decode(ext).offset,
          );
    let offset = consumer;
    if (h.isForce || target! <= consumer) {
      offset = target!;
      const commit = createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
        extFields: UpdateConsumerOffsetRequestHeader.encode({
          consumerGroup: group,
          ...q,
          commitOffset: offset,
        }),
      });
      const response = await s.remoting.invokeSync(addr, commit, s.timeoutMillis);
      expectSuccess(response.code, response.remark, addr);
    }
    rows.push({ brokerName, queueId, offset });
  }
  return rows;
}

function timestampFrom(flags: {
  timestamp: string | undefined;
  'to-earliest': boolean | undefined;
  'to-max': boolean | undefined;
}): number {
  const given = [flags.timestamp !== undefined, flags['to-earliest'] === true, flags['to-max'] === true];
  if (given.filter(Boolean).length !== 1) {
    throw new CliError('give exactly one of --timestamp MS, --to-earliest, --to-max');
  }
  if (flags['to-max'] === true) return -1;
  if (flags['to-earliest'] === true) return 0;
  return intFlag('timestamp', flags.timestamp, 0, 0);
}

async function reset(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(
    argv,
    USAGE,
    'Reset the offsets of a consumer group on a topic',
    RESET_FLAGS,
    io.stdout,
  );
  if (flags === undefined) return 0;
  const { group, topic } = flags;
  if (group === undefined || group.trim() === '') throw new CliError('--group is required (see --help)');
  if (topic === undefined || topic.trim() === '') throw new CliError('--topic is required (see --help)');
  const timestamp = timestampFrom(flags);
  const isForce = flags.force === true;
  if (timestamp === -1 && !isForce) {
    throw new CliError('--to-max moves offsets forward, which needs --force');
  }
  const header: ResetOffsetRequestHeader = { topic, group, timestamp, isForce };
  const rows = await withAdmin(
    nameServersFrom(flags.namesrv, io.env),
    flags['request-timeout'],
    async (s) => {
      const route = await s.api.getTopicRouteInfoFromNameServer(topic, s.timeoutMillis);
      const out: (ResetRow & { how: string })[] = [];
      for (const b of [...route.brokerDatas].sort((x, y) => (x.brokerName < y.brokerName ? -1 : 1))) {
        const addr = b.brokerAddrs.get(0);
        if (addr === undefined) continue;
        let table = await resetOnBroker(s, addr, header);
        let how = 'pushed to the online consumers';
        if (table === undefined) {
          const queues = route.queueDatas.find((q) => q.brokerName === b.brokerName)?.readQueueNums ?? 0;
          table = await resetOffline(s, addr, b.brokerName, queues, header);
          how = 'committed (no consumer online)';
        }
        for (const r of table.sort((x, y) => x.queueId - y.queueId)) out.push({ ...r, how });
      }
      return out;
    },
    clientTlsFromFlags(flags),
    credentialsFromFlags(flags, io.env),
  );
  io.stdout.write(`${'#brokerName'.padEnd(24)}${'#queueId'.padEnd(10)}${'#offset'.padEnd(14)}#how\n`);
  for (const r of rows) {
    io.stdout.write(
      `${r.brokerName.padEnd(24)}${String(r.queueId).padEnd(10)}${r.offset.toString().padEnd(14)}${r.how}\n`,
    );
  }
  return 0;
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'reset':
      return reset(rest, io);
    case undefined:
    case '--help':
    case '-h':
      io.stdout.write(
        `Usage: ${USAGE}\n\n${description}\nRun \`rmq offset reset --help\` for the options.\n`,
      );
      return sub === undefined ? 2 : 0;
    default:
      throw new CliError(`unknown subcommand "offset ${sub}": use "offset reset"`);
  }
}
