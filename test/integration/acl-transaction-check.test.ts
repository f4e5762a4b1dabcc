/**
 * With access control on, the broker sends a transaction check (CHECK_TRANSACTION_STATE, the whole
 * half message in its body) only to a connection whose account may publish to the message's topic.
 * Any account may name any producer group in a heartbeat (Java checks no permission on producer
 * groups), so an account denied everything could register as another service's producer group and
 * read its uncommitted messages from the checks. And the broker's own checks must pass its own
 * access control (its RPC hooks judge incoming requests only).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { RemotingClient } from '../../src/transport/index.js';
import { handlerTable, registerHandlerTable } from '../../src/transport/handler-table.js';
import { signRequest } from '../../src/protocol/command/acl-signature.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { CreateTopicRequestHeader } from '../../src/protocol/headers/admin.js';
import { encodeHeartbeatData } from '../../src/protocol/body/heartbeat.js';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { MessageSysFlag } from '../../src/protocol/message/constants.js';
import { sendRequest } from '../helpers/broker-client.js';
import { waitFor } from '../helpers/wait.js';

const ADMIN = { accessKey: 'adminAK01', secretKey: 'admin-secret' };
const PAYMENTS = { accessKey: 'paymentsAK', secretKey: 'payments-secret' };
const INTRUDER = { accessKey: 'intruderAK', secretKey: 'intruder-secret' };
const YAML = `accounts:
  - accessKey: adminAK01
    secretKey: admin-secret
    admin: true
  - accessKey: paymentsAK
    secretKey: payments-secret
    defaultTopicPerm: DENY
    defaultGroupPerm: DENY
    topicPerms:
      - SecretTopic=PUB
  - accessKey: intruderAK
    secretKey: intruder-secret
    defaultTopicPerm: DENY
    defaultGroupPerm: DENY
`;

test('transaction checks go only to producers whose account may publish the topic', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmq-acl-txcheck-'));
  const aclFile = path.join(dir, 'plain_acl.yml');
  fs.writeFileSync(aclFile, YAML);
  const cluster = await startEmbeddedCluster({
    aclFile,
    storeRoot: path.join(dir, 'store'),
    transactions: {
      transactionCheckIntervalMillis: 100,
      transactionTimeoutMillis: 50,
      transactionCheckMax: 1000,
    },
  });
  const broker = cluster.brokers[0]!.address;
  const payments = new RemotingClient({});
  const intruder = new RemotingClient({});
  const checksOf = (client: RemotingClient): string[] => {
    const seen: string[] = [];
    registerHandlerTable(
      client,
      handlerTable([
        [
          RequestCode.CHECK_TRANSACTION_STATE,
          (req: RemotingCommand) => {
            seen.push(decodeMessageRecord(req.body!).body.toString());
            return undefined;
          },
        ],
      ]),
    );
    return seen;
  };
  const heartbeat = async (client: RemotingClient, account: typeof ADMIN, id: string) => {
    const hb = createRequest(RequestCode.HEART_BEAT, {
      extFields: {},
      body: encodeHeartbeatData({
        clientID: id,
        producerDataSet: [{ groupName: 'PG_PAYMENTS' }],
        consumerDataSet: [],
      }),
    });
    signRequest(hb, account);
    assert.equal((await client.invokeSync(broker, hb, 5000)).code, ResponseCode.SUCCESS);
  };
  try {
    const create = createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      extFields: CreateTopicRequestHeader.encode({
        topic: 'SecretTopic',
        defaultTopic: 'TBW102',
        readQueueNums: 1,
        writeQueueNums: 1,
        perm: 6,
        topicFilterType: 'SINGLE_TAG',
        topicSysFlag: 0,
        order: false,
      }),
    });
    signRequest(create, ADMIN);
    assert.equal((await payments.invokeSync(broker, create, 5000)).code, ResponseCode.SUCCESS);
    const half = sendRequest({
      topic: 'SecretTopic',
      body: 'card=4111-1111-1111-1111',
      producerGroup: 'PG_PAYMENTS',
      sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE,
      properties: { TRAN_MSG: 'true', PGROUP: 'PG_PAYMENTS', WAIT: 'true' },
    });
    signRequest(half, PAYMENTS);
    assert.equal((await payments.invokeSync(broker, half, 5000)).code, ResponseCode.SUCCESS);

    const paymentsChecks = checksOf(payments);
    const intruderChecks = checksOf(intruder);
    await heartbeat(payments, PAYMENTS, '127.0.0.1@payments');
    await heartbeat(intruder, INTRUDER, '127.0.0.1@intruder');
    // Checks come round robin over the group's connections: several reach the payments producer.
    await waitFor(
      'three checks at the payments producer',
      () => paymentsChecks.length >= 3 || undefined,
      10_000,
    );
    assert.deepEqual(intruderChecks, [], 'an account denied SecretTopic was sent its half message');
    assert.equal(paymentsChecks[0], 'card=4111-1111-1111-1111');
  } finally {
    payments.shutdown();
    intruder.shutdown();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
