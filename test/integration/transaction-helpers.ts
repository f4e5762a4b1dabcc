/**
 * A stand-in name server and broker for the transaction producer tests (not a test file itself): the
 * name server routes every topic to one broker, the broker stores nothing but records every
 * SEND_MESSAGE(_V2) and END_TRANSACTION frame it receives, answers sends the way a 5.x broker answers a
 * half message (offset msg id, half queue offset, transactionId = UNIQ_KEY) and can push
 * CHECK_TRANSACTION_STATE over a client's own connection, as Java's Broker2Client does.
 */
import { encodeTopicRouteData } from '../../src/protocol/body/route.js';
import { RequestCode, ResponseCode } from '../../src/protocol/codes/index.js';
import { createRequest, createResponse, markOneway } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { SendMessageRequestHeader, SendMessageResponseHeader } from '../../src/protocol/headers/index.js';
import { CheckTransactionStateRequestHeader } from '../../src/protocol/headers/client.js';
import {
  decodeProperties,
  encodeMessageRecord,
  encodeOffsetMessageId,
  encodeProperties,
  MessageConst,
} from '../../src/protocol/message/index.js';
import { RemotingServer } from '../../src/transport/index.js';
import type { RemotingChannel } from '../../src/transport/index.js';

export const BROKER_NAME = 'broker-a';

/** One SEND_MESSAGE frame as the broker saw it. */
export interface SeenSend {
  header: SendMessageRequestHeader;
  properties: Record<string, string>;
  body: Buffer;
  commitLogOffset: bigint;
  queueOffset: bigint;
  /** The client connection the half message came over. */
  channel: RemotingChannel;
}

export interface FakeTransactionBroker {
  readonly namesrvAddress: string;
  readonly brokerAddress: string;
  readonly sends: SeenSend[];
  readonly ends: RemotingCommand[];
  /** Client connections the broker got a heartbeat over. */
  readonly channels: RemotingChannel[];
  /** The connection of a client id (from its heartbeat). */
  channelOf(clientId: string): RemotingChannel | undefined;
  /** Response code of the next sends (SUCCESS by default; FLUSH_DISK_TIMEOUT...; an error code). */
  sendCode: number;
  /** Leave transactionId out of send responses (a 4.9 broker). */
  omitTransactionId: boolean;
  /** Pushes CHECK_TRANSACTION_STATE for a recorded half message over `channel` (default: the one it came over). */
  pushCheck(
    send: SeenSend,
    options?: { channel?: RemotingChannel | undefined; properties?: Record<string, string> },
  ): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeTransactionBroker(): Promise<FakeTransactionBroker> {
  const broker = new RemotingServer({ host: '127.0.0.1', port: 0 });
  const namesrv = new RemotingServer({ host: '127.0.0.1', port: 0 });
  let nextCommitLogOffset = 4096n;
  let nextQueueOffset = 0n;
  const byClientId = new Map<string, RemotingChannel>();
  const state: FakeTransactionBroker = {
    namesrvAddress: '',
    brokerAddress: '',
    sends: [],
    ends: [],
    channels: [],
    channelOf: (clientId) => byClientId.get(clientId),
    sendCode: ResponseCode.SUCCESS,
    omitTransactionId: false,
    async pushCheck(send, options = {}) {
      const channel = options.channel ?? send.channel;
      if (channel === undefined) throw new Error('no client connection to push the check over');
      const [ip, port] = [broker.address.split(':')[0]!, Number(broker.address.split(':')[1])];
      const uniqueKey = send.properties[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX];
      const body = encodeMessageRecord({
        topic: send.header.topic,
        queueId: send.header.queueId,
        flag: send.header.flag,
        queueOffset: send.queueOffset,
        physicalOffset: send.commitLogOffset,
        sysFlag: send.header.sysFlag,
        bornTimestamp: send.header.bornTimestamp,
        bornHost: { ip: '127.0.0.1', port: 1 },
        storeTimestamp: Date.now(),
        storeHost: { ip, port },
        reconsumeTimes: 0,
        preparedTransactionOffset: 0n,
        body: send.body,
        properties: encodeProperties({ ...send.properties, ...options.properties }),
      });
      const request = createRequest(RequestCode.CHECK_TRANSACTION_STATE, {
        extFields: CheckTransactionStateRequestHeader.encode({
          topic: 'RMQ_SYS_TRANS_HALF_TOPIC',
          tranStateTableOffset: send.queueOffset,
          commitLogOffset: send.commitLogOffset,
          ...(uniqueKey !== undefined && { msgId: uniqueKey, transactionId: uniqueKey }),
          offsetMsgId: encodeOffsetMessageId({ ip, port }, send.commitLogOffset),
          bname: BROKER_NAME,
        }),
        body,
      });
      markOneway(request);
      await channel.invokeOneway(request, 3000);
    },
    async close() {
      await broker.shutdown();
      await namesrv.shutdown();
    },
  };
  broker.registerProcessor(RequestCode.HEART_BEAT, {
    processRequest: (context, request) => {
      if (!state.channels.includes(context.channel)) state.channels.push(context.channel);
      const { clientID } = JSON.parse(request.body?.toString('utf8') ?? '{}') as { clientID?: string };
      if (clientID !== undefined) byClientId.set(clientID, context.channel);
      return createResponse(ResponseCode.SUCCESS);
    },
  });
  broker.registerProcessor(RequestCode.UNREGISTER_CLIENT, {
    processRequest: () => createResponse(ResponseCode.SUCCESS),
  });
  const onSend = (channel: RemotingChannel, request: RemotingCommand): RemotingCommand => {
    const v2 = request.code === RequestCode.SEND_MESSAGE_V2;
    const header = SendMessageRequestHeader.decode(request.extFields, { v2 });
    const properties = decodeProperties(header.properties ?? '');
    const seen: SeenSend = {
      header,
      properties,
      body: request.body ?? Buffer.alloc(0),
      commitLogOffset: nextCommitLogOffset,
      queueOffset: nextQueueOffset,
      channel,
    };
    nextCommitLogOffset += 1000n;
    nextQueueOffset += 1n;
    state.sends.push(seen);
    const [ip, port] = [broker.address.split(':')[0]!, Number(broker.address.split(':')[1])];
    const uniqueKey = properties[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX];
    return createResponse(state.sendCode, {
      extFields: SendMessageResponseHeader.encode({
        msgId: encodeOffsetMessageId({ ip, port }, seen.commitLogOffset),
        queueId: 0,
        queueOffset: seen.queueOffset,
        ...(!state.omitTransactionId && uniqueKey !== undefined && { transactionId: uniqueKey }),
        traceOn: 'true',
        msgRegion: 'DefaultRegion',
      }),
    });
  };
  broker.registerProcessor(RequestCode.SEND_MESSAGE_V2, { processRequest: (c, r) => onSend(c.channel, r) });
  broker.registerProcessor(RequestCode.SEND_MESSAGE, { processRequest: (c, r) => onSend(c.channel, r) });
  broker.registerProcessor(RequestCode.END_TRANSACTION, {
    processRequest: (_c, request) => {
      state.ends.push(request);
      return undefined;
    },
  });
  await broker.start();
  const route = encodeTopicRouteData(
    {
      queueDatas: [
        { brokerName: BROKER_NAME, readQueueNums: 1, writeQueueNums: 1, perm: 6, topicSysFlag: 0 },
      ],
      brokerDatas: [
        { cluster: 'DefaultCluster', brokerName: BROKER_NAME, brokerAddrs: new Map([[0, broker.address]]) },
      ],
      filterServerTable: new Map(),
    },
    { standardJson: true, v5: true },
  );
  namesrv.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
    processRequest: () => createResponse(ResponseCode.SUCCESS, { body: route }),
  });
  await namesrv.start();
  Object.assign(state, { namesrvAddress: namesrv.address, brokerAddress: broker.address });
  return state;
}
