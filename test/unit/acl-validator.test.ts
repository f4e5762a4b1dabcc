/**
 * The broker's and the name server's checks without a network: every request class against the
 * account allowed and the account refused, Java 4.9.8's order of checks and its AclException
 * messages, allowlists, the trace-topic and admin exceptions, and Java's signature vectors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AclClientRPCHook } from '../../src/client/acl-rpc-hook.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { buildAclRules } from '../../src/server/acl/acl-config.js';
import { AclRefusedError } from '../../src/server/acl/acl-errors.js';
import { brokerAclHook, namesrvAclHook } from '../../src/server/acl/acl-guard.js';
import { ACCOUNTS, aclYaml, REQUEST_CLASSES, TOPIC } from '../helpers/acl-fixtures.js';
import type { Role } from '../helpers/acl-fixtures.js';
import { sendRequest } from '../helpers/broker-client.js';

const rules = buildAclRules([{ file: 'plain_acl.yml', content: aclYaml() }]);
const broker = brokerAclHook({ rules });
const LOCAL = '127.0.0.1:50000';

function signed(request: RemotingCommand, role: Role): RemotingCommand {
  new AclClientRPCHook(ACCOUNTS[role]).beforeRequest('x', request);
  return request;
}

function refusal(run: () => void): AclRefusedError {
  try {
    run();
  } catch (err) {
    if (err instanceof AclRefusedError) return err;
    throw err;
  }
  assert.fail('expected a refusal');
}

describe('broker ACL: every request class', () => {
  for (const rc of REQUEST_CLASSES) {
    it(`${rc.name}: ${rc.allowed} allowed, ${rc.refused} refused`, () => {
      broker.beforeRequest!(LOCAL, signed(rc.make(), rc.allowed));
      const err = refusal(() => broker.beforeRequest!(LOCAL, signed(rc.make(), rc.refused)));
      assert.match(err.reason, rc.reason);
      assert.equal(err.code, ResponseCode.SYSTEM_ERROR);
      assert.equal(err.message, `org.apache.rocketmq.acl.common.AclException: ${err.reason}`);
    });
  }

  it('a code the validator does not classify needs a valid signature only', () => {
    broker.beforeRequest!(LOCAL, signed(createRequest(RequestCode.GET_BROKER_CONFIG), 'producer'));
    const stranger = createRequest(RequestCode.GET_BROKER_CONFIG);
    new AclClientRPCHook({ accessKey: 'strangerAK', secretKey: 'whatever-secret' }).beforeRequest(
      'x',
      stranger,
    );
    assert.equal(
      refusal(() => broker.beforeRequest!(LOCAL, stranger)).reason,
      'No acl config for strangerAK',
    );
  });
});

describe('broker ACL: order of checks and their messages (Java PlainPermissionManager.validate)', () => {
  it('unsigned, wrongly signed and tampered requests', () => {
    const unsigned = sendRequest({ topic: TOPIC });
    assert.equal(refusal(() => broker.beforeRequest!(LOCAL, unsigned)).reason, 'No accessKey is configured');
    const noFields = createRequest(RequestCode.GET_BROKER_CONFIG);
    assert.equal(refusal(() => broker.beforeRequest!(LOCAL, noFields)).reason, 'No accessKey is configured');
    const wrongKey = sendRequest({ topic: TOPIC });
    new AclClientRPCHook({ accessKey: 'producerAK', secretKey: 'not-the-secret' }).beforeRequest(
      'x',
      wrongKey,
    );
    assert.equal(
      refusal(() => broker.beforeRequest!(LOCAL, wrongKey)).reason,
      'Check signature failed for accessKey=producerAK',
    );
    const tampered = signed(sendRequest({ topic: TOPIC }), 'producer');
    tampered.extFields!.e = '9';
    assert.match(refusal(() => broker.beforeRequest!(LOCAL, tampered)).reason, /Check signature failed/);
    const body = signed(sendRequest({ topic: TOPIC }), 'producer');
    body.body = Buffer.from('other body');
    assert.match(refusal(() => broker.beforeRequest!(LOCAL, body)).reason, /Check signature failed/);
  });

  it('global allowlist: anything, unsigned; account allowlist: anything the key asks, unsigned', () => {
    broker.beforeRequest!(
      '10.255.255.7:1234',
      createRequest(RequestCode.DELETE_TOPIC_IN_BROKER, { extFields: { topic: 't' } }),
    );
    const trusted = createRequest(RequestCode.DELETE_TOPIC_IN_BROKER, {
      extFields: { topic: 't', AccessKey: 'trustedAK', Signature: 'bogus' },
    });
    broker.beforeRequest!('10.1.1.1:999', trusted);
    assert.match(
      refusal(() => broker.beforeRequest!('10.1.1.2:999', trusted)).reason,
      /Check signature failed/,
    );
    const ipv6 = brokerAclHook({
      rules: buildAclRules([{ file: 'f', content: aclYaml({ globalWhite: '::1' }) }]),
    });
    ipv6.beforeRequest!(
      '[::1]:5000',
      createRequest(RequestCode.DELETE_TOPIC_IN_BROKER, { extFields: { topic: 't' } }),
    );
  });

  it('publishing to RMQ_SYS_TRACE_TOPIC needs only a valid signature', () => {
    broker.beforeRequest!(LOCAL, signed(sendRequest({ topic: 'RMQ_SYS_TRACE_TOPIC' }), 'consumer'));
  });

  it('an admin account without resource permissions may do anything; with some, its defaults apply', () => {
    broker.beforeRequest!(LOCAL, signed(sendRequest({ topic: 'AnyTopic' }), 'admin'));
    const scoped = brokerAclHook({
      rules: buildAclRules([
        {
          file: 'f',
          content:
            'accounts:\n- accessKey: scopedAdmin\n  secretKey: scoped-secret\n  admin: true\n  topicPerms: [Only=PUB]',
        },
      ]),
    });
    const request = sendRequest({ topic: 'Other' });
    new AclClientRPCHook({ accessKey: 'scopedAdmin', secretKey: 'scoped-secret' }).beforeRequest(
      'x',
      request,
    );
    assert.equal(
      refusal(() => scoped.beforeRequest!(LOCAL, request)).reason,
      'No default permission for topic:Other',
    );
  });

  it('a request whose resources cannot be read is refused with the reason', () => {
    const noGroup = signed(
      createRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { extFields: {} }),
      'consumer',
    );
    assert.equal(
      refusal(() => broker.beforeRequest!(LOCAL, noGroup)).reason,
      'the custom field <consumerGroup> is null',
    );
    const badBody = signed(
      createRequest(RequestCode.HEART_BEAT, { extFields: {}, body: Buffer.from('{not json') }),
      'consumer',
    );
    refusal(() => broker.beforeRequest!(LOCAL, badBody));
  });

  it('the body is read for its resources only after the signature is checked (unsigned bodies cost nothing)', () => {
    // 200,000 empty objects: parsing them takes a while; an unsigned request must be refused first.
    const flood = Buffer.from(`{"consumerDataSet":[${'{},'.repeat(200_000)}{}]}`);
    const unsigned = createRequest(RequestCode.HEART_BEAT, { extFields: {}, body: flood });
    assert.equal(refusal(() => broker.beforeRequest!(LOCAL, unsigned)).reason, 'No accessKey is configured');
    const forged = createRequest(RequestCode.HEART_BEAT, {
      extFields: { AccessKey: ACCOUNTS.consumer.accessKey, Signature: 'forged' },
      body: flood,
    });
    assert.match(refusal(() => broker.beforeRequest!(LOCAL, forged)).reason, /^Check signature failed/);
    // Signed, the resources are read, and a body of more values than a heartbeat may hold is refused.
    const tooMany = Buffer.from(`{"junk":[${'[{},{}],'.repeat(200_000)}[]]}`);
    const signedFlood = signed(
      createRequest(RequestCode.HEART_BEAT, { extFields: {}, body: tooMany }),
      'consumer',
    );
    assert.match(
      refusal(() => broker.beforeRequest!(LOCAL, signedFlood)).reason,
      /more values than the body may hold/,
    );
  });
});

describe('signatures: Java vectors on the checking side', () => {
  const javaRules = buildAclRules([
    { file: 'f', content: 'accounts:\n- accessKey: RocketMQ\n  secretKey: 12345678\n  admin: true' },
  ]);
  const namesrv = namesrvAclHook({ rules: javaRules }, 'signed');

  it("accepts Java AclClientRPCHook's signature of a route query and refuses a changed one", () => {
    const fields = { topic: 'TopicTest', AccessKey: 'RocketMQ', Signature: '0jiwhsaYp5ObE5GObbZH1I8/FT4=' };
    namesrv.beforeRequest!(LOCAL, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: fields }));
    const changed = createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { ...fields, topic: 'TopicTesu' },
    });
    assert.match(
      refusal(() => namesrv.beforeRequest!(LOCAL, changed)).reason,
      /Check signature failed for accessKey=RocketMQ/,
    );
  });

  it('accepts the security token and body vector', () => {
    const fields = { AccessKey: 'RocketMQ', SecurityToken: 'tok', Signature: 'xcy5D1eTLIXDi4xZBVELtTU+sTU=' };
    const hook = brokerAclHook({ rules: javaRules });
    hook.beforeRequest!(
      LOCAL,
      createRequest(RequestCode.GET_BROKER_CONFIG, {
        extFields: fields,
        body: Buffer.from('{"clientID":"x"}'),
      }),
    );
  });

  it('_UNIQUE_KEY_QUERY: signed with it (Java client) or without it (what Java 4.9.8 brokers check)', () => {
    const hook = brokerAclHook({ rules: javaRules });
    const withFlag = createRequest(RequestCode.QUERY_MESSAGE, {
      extFields: { topic: 't', _UNIQUE_KEY_QUERY: 'true' },
    });
    new AclClientRPCHook({ accessKey: 'RocketMQ', secretKey: '12345678' }).beforeRequest('x', withFlag);
    hook.beforeRequest!(LOCAL, withFlag);
    const without = createRequest(RequestCode.QUERY_MESSAGE, { extFields: { topic: 't' } });
    new AclClientRPCHook({ accessKey: 'RocketMQ', secretKey: '12345678' }).beforeRequest('x', without);
    without.extFields!._UNIQUE_KEY_QUERY = 'false';
    hook.beforeRequest!(LOCAL, without);
  });
});

describe('name server ACL policy', () => {
  const open = namesrvAclHook({ rules }, 'open');
  const signedQueries = namesrvAclHook({ rules }, 'signed');
  const changing = [
    RequestCode.REGISTER_BROKER,
    RequestCode.UNREGISTER_BROKER,
    RequestCode.PUT_KV_CONFIG,
    RequestCode.DELETE_KV_CONFIG,
    RequestCode.UPDATE_NAMESRV_CONFIG,
    RequestCode.WIPE_WRITE_PERM_OF_BROKER,
    RequestCode.ADD_WRITE_PERM_OF_BROKER,
    RequestCode.DELETE_TOPIC_IN_NAMESRV,
    RequestCode.REGISTER_TOPIC_IN_NAMESRV,
    RequestCode.BROKER_HEARTBEAT,
    RequestCode.QUERY_DATA_VERSION,
  ];

  it('every state-changing request needs an admin account', () => {
    for (const code of changing) {
      const make = () => createRequest(code, { extFields: { namespace: 'n', key: 'k', value: 'v' } });
      open.beforeRequest!(LOCAL, signed(make(), 'admin'));
      assert.match(
        refusal(() => open.beforeRequest!(LOCAL, signed(make(), 'producer'))).reason,
        new RegExp(`Need admin permission for request code=${code}`),
      );
      assert.equal(refusal(() => open.beforeRequest!(LOCAL, make())).reason, 'No accessKey is configured');
    }
  });

  it("queries are open, or need any valid account with 'signed'", () => {
    const route = () => createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: TOPIC } });
    open.beforeRequest!(LOCAL, route());
    signedQueries.beforeRequest!(LOCAL, signed(route(), 'consumer'));
    assert.equal(
      refusal(() => signedQueries.beforeRequest!(LOCAL, route())).reason,
      'No accessKey is configured',
    );
  });
});
