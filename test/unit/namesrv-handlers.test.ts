/**
 * The name server's one handler table: every code it serves appears exactly once, unknown codes get
 * the dispatcher's remark, and its error rule — a RocketMQError escaping a handler is SYSTEM_ERROR with
 * the bare message, a refusal keeps its code, anything else is the dispatcher's "<Name>: <message>".
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderFieldError, RequestRefusedError } from '../../src/common/errors.js';
import { silentLogger } from '../../src/common/logger.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { NamesrvRuntime } from '../../src/server/namesrv/handler.js';
import { withNamesrvErrorRule } from '../../src/server/namesrv/handler.js';
import { KVConfigStore } from '../../src/server/namesrv/kv-config.js';
import { DEFAULT_LIMITS, NameServerRequestError } from '../../src/server/namesrv/limits.js';
import { namesrvHandlers } from '../../src/server/namesrv/name-server.js';
import { RouteRegistry } from '../../src/server/namesrv/route-registry.js';
import { handlerTable } from '../../src/transport/handler-table.js';
import { dispatchOnce, tableDispatcher } from '../helpers/dispatch.js';

const NAMESRV_CODES = [
  RequestCode.REGISTER_BROKER,
  RequestCode.UNREGISTER_BROKER,
  RequestCode.QUERY_DATA_VERSION,
  RequestCode.BROKER_HEARTBEAT,
  RequestCode.GET_ROUTEINFO_BY_TOPIC,
  RequestCode.GET_BROKER_CLUSTER_INFO,
  RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
  RequestCode.GET_TOPICS_BY_CLUSTER,
  RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS,
  RequestCode.GET_UNIT_TOPIC_LIST,
  RequestCode.GET_HAS_UNIT_SUB_TOPIC_LIST,
  RequestCode.GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST,
  RequestCode.DELETE_TOPIC_IN_NAMESRV,
  RequestCode.REGISTER_TOPIC_IN_NAMESRV,
  RequestCode.WIPE_WRITE_PERM_OF_BROKER,
  RequestCode.ADD_WRITE_PERM_OF_BROKER,
  RequestCode.PUT_KV_CONFIG,
  RequestCode.GET_KV_CONFIG,
  RequestCode.DELETE_KV_CONFIG,
  RequestCode.GET_KVLIST_BY_NAMESPACE,
  RequestCode.GET_BROKER_MEMBER_GROUP,
  RequestCode.GET_NAMESRV_CONFIG,
  RequestCode.UPDATE_NAMESRV_CONFIG,
];

function runtime(): NamesrvRuntime {
  return {
    registry: new RouteRegistry(),
    kv: new KVConfigStore(undefined, DEFAULT_LIMITS),
    limits: DEFAULT_LIMITS,
    orderMessageEnable: false,
    logger: silentLogger,
    config: { snapshot: () => new Map(), update: () => [] },
  };
}

describe('name server handler table', () => {
  it('serves every name server request code exactly once', () => {
    const sorted = (codes: Iterable<number>): number[] => [...codes].sort((a, b) => a - b);
    assert.equal(new Set(NAMESRV_CODES).size, NAMESRV_CODES.length);
    assert.deepEqual(sorted(namesrvHandlers(runtime()).keys()), sorted(NAMESRV_CODES));
  });

  it('leaves unknown codes to the dispatcher', async () => {
    const r = await dispatchOnce(tableDispatcher(namesrvHandlers(runtime())), createRequest(9999));
    assert.equal(r?.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    assert.equal(r?.remark, ' request type 9999 not supported');
  });

  it('answers a missing header field SYSTEM_ERROR with the bare message, a refusal with its own code', async () => {
    const dispatcher = tableDispatcher(namesrvHandlers(runtime()));
    const missing = await dispatchOnce(dispatcher, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC));
    assert.equal(missing?.code, ResponseCode.SYSTEM_ERROR);
    assert.ok(missing?.remark?.includes('topic'), missing?.remark);
    assert.ok(!missing?.remark?.startsWith('HeaderFieldError'), missing?.remark);
    const unknown = await dispatchOnce(
      dispatcher,
      createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: 'Nope' } }),
    );
    assert.equal(unknown?.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.match(unknown?.remark ?? '', /^No topic route info in name server for the topic: Nope\n/);
  });

  it('applies the error rule to sync and async handlers alike', async () => {
    const table = withNamesrvErrorRule(
      handlerTable([
        [
          1,
          () => {
            throw new HeaderFieldError('the custom field <topic> is null');
          },
        ],
        [
          2,
          async () => {
            throw new NameServerRequestError('too many clusters (limit 1)');
          },
        ],
        [
          3,
          () => {
            throw new RequestRefusedError(ResponseCode.NO_PERMISSION, 'no');
          },
        ],
        [
          4,
          async () => {
            throw new TypeError('boom');
          },
        ],
      ]),
      silentLogger,
    );
    const dispatcher = tableDispatcher(table);
    const answer = async (code: number): Promise<[number | undefined, string | undefined]> => {
      const r = await dispatchOnce(dispatcher, createRequest(code));
      return [r?.code, r?.remark];
    };
    assert.deepEqual(await answer(1), [ResponseCode.SYSTEM_ERROR, 'the custom field <topic> is null']);
    assert.deepEqual(await answer(2), [ResponseCode.SYSTEM_ERROR, 'too many clusters (limit 1)']);
    assert.deepEqual(await answer(3), [ResponseCode.NO_PERMISSION, 'no']);
    assert.deepEqual(await answer(4), [ResponseCode.SYSTEM_ERROR, 'TypeError: boom']);
  });
});
