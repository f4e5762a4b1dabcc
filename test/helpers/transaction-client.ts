/**
 * Raw half-message protocol requests for broker tests (the transaction producer lives elsewhere):
 * half sends, END_TRANSACTION, a producer heartbeat and a client that collects the broker's
 * CHECK_TRANSACTION_STATE requests.
 */
import { RemotingClient } from '../../src/transport/index.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { EndTransactionRequestHeader } from '../../src/protocol/headers/client.js';
import { CheckTransactionStateRequestHeader } from '../../src/protocol/headers/client.js';
import { encodeHeartbeatData } from '../../src/protocol/body/heartbeat.js';
import { MessageSysFlag } from '../../src/protocol/message/constants.js';
import { decodeOffsetMessageId } from '../../src/protocol/message/message-id.js';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import type { MessageRecord } from '../../src/protocol/message/record.js';
import { send, TIMEOUT } from './broker-client.js';

let uniqCounter = 0;

export interface HalfSent {
  response: RemotingCommand;
  uniqKey: string;
  group: string;
  commitLogOffset: bigint;
  queueOffset: bigint;
  msgId: string;
}

/** A half message as a Java TransactionMQProducer sends it (TRAN_MSG, PGROUP, UNIQ_KEY, prepared bit). */
export async function sendHalf(
  client: RemotingClient,
  addr: string,
  spec: { topic: string; group: string; body?: string; queueId?: number; props?: Record<string, string> },
): Promise<HalfSent> {
  const uniqKey =
    `7F000001${process.pid.toString(16).padStart(4, '0')}${(uniqCounter++).toString(16).padStart(20, '0')}`.toUpperCase();
  const response = await send(client, addr, {
    topic: spec.topic,
    producerGroup: spec.group,
    queueId: spec.queueId ?? 0,
    body: spec.body ?? 'tx-body',
    sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE,
    properties: {
      TRAN_MSG: 'true',
      PGROUP: spec.group,
      UNIQ_KEY: uniqKey,
      KEYS: 'k1',
      TAGS: 'tagA',
      WAIT: 'true',
      ...spec.props,
    },
  });
  const msgId = response.extFields?.msgId ?? '';
  return {
    response,
    uniqKey,
    group: spec.group,
    msgId,
    commitLogOffset: msgId ? decodeOffsetMessageId(msgId).commitLogOffset : -1n,
    queueOffset: BigInt(response.extFields?.queueOffset ?? '-1'),
  };
}

export const TX = {
  UNKNOWN: MessageSysFlag.TRANSACTION_NOT_TYPE,
  COMMIT: MessageSysFlag.TRANSACTION_COMMIT_TYPE,
  ROLLBACK: MessageSysFlag.TRANSACTION_ROLLBACK_TYPE,
} as const;

export interface EndSpec {
  group: string;
  tranStateTableOffset: bigint;
  commitLogOffset: bigint;
  commitOrRollback: number;
  fromTransactionCheck?: boolean;
  msgId: string;
  transactionId?: string;
}

export function endRequest(spec: EndSpec): RemotingCommand {
  const extFields = EndTransactionRequestHeader.encode({
    producerGroup: spec.group,
    tranStateTableOffset: spec.tranStateTableOffset,
    commitLogOffset: spec.commitLogOffset,
    commitOrRollback: spec.commitOrRollback,
    fromTransactionCheck: spec.fromTransactionCheck ?? false,
    msgId: spec.msgId,
    ...(spec.transactionId !== undefined && { transactionId: spec.transactionId }),
  });
  return createRequest(RequestCode.END_TRANSACTION, { extFields });
}

/** END_TRANSACTION as a request (our broker answers it; Java clients send it oneway). */
export function endTx(client: RemotingClient, addr: string, spec: EndSpec): Promise<RemotingCommand> {
  return client.invokeSync(addr, endRequest(spec), TIMEOUT);
}

/** END_TRANSACTION for the half just sent, as the producer sends it right after its local transaction. */
export function endHalf(
  client: RemotingClient,
  addr: string,
  half: HalfSent,
  type: number,
): Promise<RemotingCommand> {
  return endTx(client, addr, {
    group: half.group,
    tranStateTableOffset: half.queueOffset,
    commitLogOffset: half.commitLogOffset,
    commitOrRollback: type,
    msgId: half.uniqKey,
    transactionId: half.uniqKey,
  });
}

export interface CheckSeen {
  header: CheckTransactionStateRequestHeader;
  message: MessageRecord;
  at: number;
}

/** A client that heartbeats as a producer of `group` and records every check request it gets. */
export class CheckCatcher {
  readonly client = new RemotingClient({ connectTimeoutMillis: 3000 });
  readonly checks: CheckSeen[] = [];

  constructor(readonly clientId: string) {
    this.client.registerProcessor(RequestCode.CHECK_TRANSACTION_STATE, {
      processRequest: (_ctx, request) => {
        this.checks.push({
          header: CheckTransactionStateRequestHeader.decode(request.extFields),
          message: decodeMessageRecord(request.body ?? Buffer.alloc(0)),
          at: Date.now(),
        });
        return undefined;
      },
    });
  }

  async heartbeat(addr: string, group: string): Promise<RemotingCommand> {
    const body = encodeHeartbeatData({
      clientID: this.clientId,
      producerDataSet: [{ groupName: group }],
      consumerDataSet: [],
    });
    return this.client.invokeSync(addr, createRequest(RequestCode.HEART_BEAT, { body }), TIMEOUT);
  }

  /** Answers a check as the Java producer does (fromTransactionCheck, the check's offsets). */
  answer(addr: string, check: CheckSeen, group: string, type: number): Promise<RemotingCommand> {
    return endTx(this.client, addr, {
      group,
      tranStateTableOffset: check.header.tranStateTableOffset,
      commitLogOffset: check.header.commitLogOffset,
      commitOrRollback: type,
      fromTransactionCheck: true,
      msgId: check.header.msgId ?? '',
      ...(check.header.transactionId !== undefined && { transactionId: check.header.transactionId }),
    });
  }
}
