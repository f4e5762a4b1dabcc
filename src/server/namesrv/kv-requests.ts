/**
 * KV configuration requests: PUT_KV_CONFIG (100), GET_KV_CONFIG (101), DELETE_KV_CONFIG (102),
 * GET_KVLIST_BY_NAMESPACE (219). Reference §6.8.
 */
import { encodeKVTable } from '../../protocol/body/kv-table.js';
import { RequestCode } from '../../protocol/codes/request-code.js';
import { ResponseCode } from '../../protocol/codes/response-code.js';
import {
  DeleteKVConfigRequestHeader,
  GetKVConfigRequestHeader,
  GetKVConfigResponseHeader,
  GetKVListByNamespaceRequestHeader,
  PutKVConfigRequestHeader,
} from '../../protocol/headers/namesrv.js';
import type { Handler } from './handler.js';
import { fail, ok } from './handler.js';

const putKVConfig: Handler = (runtime, request) => {
  if (request.extFields?.namespace === undefined || request.extFields.key === undefined) {
    return fail(ResponseCode.SYSTEM_ERROR, 'namespace or key is null');
  }
  const h = PutKVConfigRequestHeader.decode(request.extFields);
  runtime.kv.put(h.namespace, h.key, h.value);
  runtime.logger.info({ namespace: h.namespace, key: h.key }, 'KV config put');
  return ok();
};

const getKVConfig: Handler = (runtime, request) => {
  const h = GetKVConfigRequestHeader.decode(request.extFields);
  const value = runtime.kv.get(h.namespace, h.key);
  if (value === undefined) {
    const response = fail(
      ResponseCode.QUERY_NOT_FOUND,
      `No config item, Namespace: ${h.namespace} Key: ${h.key}`,
    );
    response.extFields = {};
    return response;
  }
  return ok({ extFields: GetKVConfigResponseHeader.encode({ value }) });
};

const deleteKVConfig: Handler = (runtime, request) => {
  const h = DeleteKVConfigRequestHeader.decode(request.extFields);
  runtime.kv.delete(h.namespace, h.key);
  return ok();
};

const getKVListByNamespace: Handler = (runtime, request) => {
  const h = GetKVListByNamespaceRequestHeader.decode(request.extFields);
  const table = runtime.kv.list(h.namespace);
  if (table === undefined)
    return fail(ResponseCode.QUERY_NOT_FOUND, `No config item, Namespace: ${h.namespace}`);
  return ok({ body: encodeKVTable({ table }) });
};

export const kvHandlers: ReadonlyMap<number, Handler> = new Map([
  [RequestCode.PUT_KV_CONFIG, putKVConfig],
  [RequestCode.GET_KV_CONFIG, getKVConfig],
  [RequestCode.DELETE_KV_CONFIG, deleteKVConfig],
  [RequestCode.GET_KVLIST_BY_NAMESPACE, getKVListByNamespace],
]);
