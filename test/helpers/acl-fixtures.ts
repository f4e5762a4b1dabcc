/**
 * ACL test fixtures: one plain_acl.yml with an account per role, and the requests of every request
 * class the broker's validator tells apart, each with the account allowed and the account refused.
 */
import { encodeHeartbeatData } from '../../src/protocol/body/heartbeat.js';
import { encodeLockBatchRequestBody } from '../../src/protocol/body/lock-batch.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { sendRequest } from './broker-client.js';
import { consumerData } from './heartbeats.js';

export const TOPIC = 'AclOrders';
export const GROUP = 'AclGroup';
/** A group no raw request touches, for the end-to-end consumer. */
export const PULL_GROUP = 'AclPullGroup';

export const ACCOUNTS = {
  producer: { accessKey: 'producerAK', secretKey: 'producer-secret' },
  consumer: { accessKey: 'consumerAK', secretKey: 'consumer-secret' },
  admin: { accessKey: 'adminAK01', secretKey: 'admin-secret' },
  trusted: { accessKey: 'trustedAK', secretKey: 'trusted-secret' },
} as const;

export type Role = keyof typeof ACCOUNTS;

/** The rules every ACL test uses; `trustedAddress` is the trusted account's allowlist. */
export function aclYaml(options: { trustedAddress?: string; globalWhite?: string } = {}): string {
  return `globalWhiteRemoteAddresses:
  - ${options.globalWhite ?? '10.255.255.*'}
accounts:
  - accessKey: producerAK
    secretKey: producer-secret
    defaultTopicPerm: DENY
    defaultGroupPerm: DENY
    topicPerms:
      - ${TOPIC}=PUB
      - TBW102=PUB
  - accessKey: consumerAK
    secretKey: consumer-secret
    defaultTopicPerm: DENY
    defaultGroupPerm: DENY
    topicPerms:
      - ${TOPIC}=SUB
    groupPerms:
      - ${GROUP}=SUB
      - ${PULL_GROUP}=SUB
  - accessKey: adminAK01
    secretKey: admin-secret
    admin: true
  - accessKey: trustedAK
    secretKey: trusted-secret
    whiteRemoteAddress: ${options.trustedAddress ?? '10.1.1.1'}
`;
}

export interface RequestClass {
  name: string;
  make(): RemotingCommand;
  allowed: Role;
  refused: Role;
  /** The refusal reason for `refused`. */
  reason: RegExp;
}

const req = (code: number, extFields: Record<string, string>, body?: Buffer) =>
  createRequest(code, { extFields, ...(body && { body }) });
const noTopic = new RegExp(`No default permission for topic:${TOPIC}$`);
const noGroup = new RegExp(`No default permission for group:${GROUP}$`);
const offsets = { consumerGroup: GROUP, topic: TOPIC, queueId: '0' };
const lockBody = () =>
  encodeLockBatchRequestBody({
    consumerGroup: GROUP,
    clientId: 'c1',
    mqSet: [{ topic: TOPIC, brokerName: 'broker-a', queueId: 0 }],
  });

/** Every request class of the broker's validator (acl-classify.ts), with who may and who may not. */
export const REQUEST_CLASSES: RequestClass[] = [
  {
    name: 'SEND_MESSAGE',
    make: () => sendRequest({ topic: TOPIC, code: RequestCode.SEND_MESSAGE }),
    allowed: 'producer',
    refused: 'consumer',
    reason: noTopic,
  },
  {
    name: 'SEND_MESSAGE_V2',
    make: () => sendRequest({ topic: TOPIC }),
    allowed: 'producer',
    refused: 'consumer',
    reason: noTopic,
  },
  {
    name: 'SEND_BATCH_MESSAGE',
    make: () => sendRequest({ topic: TOPIC, code: RequestCode.SEND_BATCH_MESSAGE }),
    allowed: 'producer',
    refused: 'consumer',
    reason: noTopic,
  },
  {
    name: 'SEND_MESSAGE_V2 to %RETRY%group',
    make: () => sendRequest({ topic: `%RETRY%${GROUP}`, producerGroup: GROUP }),
    allowed: 'consumer',
    refused: 'producer',
    reason: noGroup,
  },
  {
    name: 'CONSUMER_SEND_MSG_BACK',
    make: () => req(RequestCode.CONSUMER_SEND_MSG_BACK, { group: GROUP, offset: '0', delayLevel: '0' }),
    allowed: 'consumer',
    refused: 'producer',
    reason: noGroup,
  },
  {
    name: 'PULL_MESSAGE',
    make: () =>
      req(RequestCode.PULL_MESSAGE, {
        ...offsets,
        queueOffset: '0',
        maxMsgNums: '1',
        sysFlag: '0',
        commitOffset: '0',
        suspendTimeoutMillis: '0',
        subVersion: '0',
      }),
    allowed: 'consumer',
    refused: 'producer',
    reason: noTopic,
  },
  {
    name: 'QUERY_MESSAGE',
    make: () =>
      req(RequestCode.QUERY_MESSAGE, {
        topic: TOPIC,
        key: 'k',
        maxNum: '1',
        beginTimestamp: '0',
        endTimestamp: '1',
      }),
    allowed: 'consumer',
    refused: 'producer',
    reason: noTopic,
  },
  {
    name: 'HEART_BEAT',
    make: () =>
      req(
        RequestCode.HEART_BEAT,
        {},
        encodeHeartbeatData({
          clientID: 'c1',
          producerDataSet: [],
          consumerDataSet: [consumerData(GROUP, [TOPIC])],
        }),
      ),
    allowed: 'consumer',
    refused: 'producer',
    reason: /No default permission for (group:AclGroup|topic:AclOrders)$/,
  },
  {
    name: 'UNREGISTER_CLIENT',
    make: () => req(RequestCode.UNREGISTER_CLIENT, { clientID: 'c1', consumerGroup: GROUP }),
    allowed: 'consumer',
    refused: 'producer',
    reason: noGroup,
  },
  {
    name: 'GET_CONSUMER_LIST_BY_GROUP',
    make: () => req(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: GROUP }),
    allowed: 'consumer',
    refused: 'producer',
    reason: noGroup,
  },
  {
    name: 'UPDATE_CONSUMER_OFFSET',
    make: () => req(RequestCode.UPDATE_CONSUMER_OFFSET, { ...offsets, commitOffset: '0' }),
    allowed: 'consumer',
    refused: 'producer',
    reason: noTopic,
  },
  {
    name: 'QUERY_CONSUMER_OFFSET',
    make: () => req(RequestCode.QUERY_CONSUMER_OFFSET, offsets),
    allowed: 'consumer',
    refused: 'producer',
    reason: noTopic,
  },
  {
    // Ours: it writes the destination group's offsets, as UPDATE_CONSUMER_OFFSET does.
    name: 'CLONE_GROUP_OFFSET',
    make: () => req(RequestCode.CLONE_GROUP_OFFSET, { srcGroup: GROUP, destGroup: GROUP }),
    allowed: 'consumer',
    refused: 'producer',
    reason: noGroup,
  },
  {
    name: 'INVOKE_BROKER_TO_RESET_OFFSET',
    make: () =>
      req(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, {
        topic: TOPIC,
        group: GROUP,
        timestamp: '-1',
        isForce: 'true',
      }),
    allowed: 'consumer',
    refused: 'producer',
    reason: noTopic,
  },
  {
    name: 'LOCK_BATCH_MQ',
    make: () => req(RequestCode.LOCK_BATCH_MQ, {}, lockBody()),
    allowed: 'consumer',
    refused: 'producer',
    reason: noGroup,
  },
  {
    name: 'UNLOCK_BATCH_MQ',
    make: () => req(RequestCode.UNLOCK_BATCH_MQ, {}, lockBody()),
    allowed: 'consumer',
    refused: 'producer',
    reason: noGroup,
  },
  ...[
    RequestCode.UPDATE_AND_CREATE_TOPIC,
    RequestCode.UPDATE_BROKER_CONFIG,
    RequestCode.DELETE_TOPIC_IN_BROKER,
    RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
    RequestCode.DELETE_SUBSCRIPTIONGROUP,
  ].map((code): RequestClass => ({
    name: `admin code ${code}`,
    make: () => req(code, { topic: 'AdminOnlyTopic', groupName: 'AdminOnlyGroup' }),
    allowed: 'admin',
    refused: 'consumer',
    reason: new RegExp(`Need admin permission for request code=${code}, but accessKey=consumerAK is not$`),
  })),
];
