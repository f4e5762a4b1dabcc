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
import { RequestRefusedError } from '../../common/errors.js';
import { createResponse } from '../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { handlerTable } from '../../transport/handler-table.js';
import type { HandlerTable } from '../../transport/handler-table.js';
import type { NamesrvRuntime } from './handler.js';
import { ok } from './handler.js';

/** Answered once the change is in the KV file, as Java answers after its synchronous write. */
async function putKVConfig(runtime: NamesrvRuntime, request: RemotingCommand): Promise<RemotingCommand> {
  if (request.extFields?.namespace === undefined || request.extFields.key === undefined) {
    throw new RequestRefusedError(ResponseCode.SYSTEM_ERROR, 'namespace or key is null');
  }
  const h = PutKVConfigRequestHeader.decode(request.extFields);
  const saved = runtime.kv.put(h.namespace, h.key, h.value);
  runtime.logger.info({ namespace: h.namespace, key: h.key }, 'KV config put');
  await saved;
  return ok();
}

function getKVConfig(runtime: NamesrvRuntime, request: RemotingCommand): RemotingCommand {
  const h = GetKVConfigRequestHeader.decode(request.extFields);
  const value = runtime.kv.get(h.namespace, h.key);
  if (value === undefined) {
    // An answer rather than a refusal: Java's response has its (empty) custom header, `{}` on the wire.
    return createResponse(ResponseCode.QUERY_NOT_FOUND, {
      remark: `No config item, Namespace: ${h.namespace} Key: ${h.key}`,
      extFields: {},
    });
  }
  return ok({ extFields: GetKVConfigResponseHeader.encode({ value }) });
}

async function deleteKVConfig(runtime: NamesrvRuntime, request: RemotingCommand): Promise<RemotingCommand> {
  const h = DeleteKVConfigRequestHeader.decode(request.extFields);
  await runtime.kv.delete(h.namespace, h.key);
  return ok();
}

function getKVListByNamespace(runtime: NamesrvRuntime, request: RemotingCommand): RemotingCommand {
  const h = GetKVListByNamespaceRequestHeader.decode(request.extFields);
  const table = runtime.kv.list(h.namespace);
  if (table === undefined)
    throw new RequestRefusedError(ResponseCode.QUERY_NOT_FOUND, `No config item, Namespace: ${h.namespace}`);
  return ok({ body: encodeKVTable({ table }) });
}

export function kvHandlers(runtime: NamesrvRuntime): HandlerTable {
  return handlerTable([
    [RequestCode.PUT_KV_CONFIG, (request) => putKVConfig(runtime, request)],
    [RequestCode.GET_KV_CONFIG, (request) => getKVConfig(runtime, request)],
    [RequestCode.DELETE_KV_CONFIG, (request) => deleteKVConfig(runtime, request)],
    [RequestCode.GET_KVLIST_BY_NAMESPACE, (request) => getKVListByNamespace(runtime, request)],
  ]);
}
