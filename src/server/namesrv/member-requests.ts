/**
 * 5.x name server requests around broker groups and the name server's own configuration:
 * GET_BROKER_MEMBER_GROUP (901), GET_NAMESRV_CONFIG (319), UPDATE_NAMESRV_CONFIG (318).
 *
 * GET_BROKER_MEMBER_GROUP body (GetBrokerMemberGroupResponseBody, fastjson defaults, Long map keys
 * unquoted); an unknown broker group answers an empty brokerAddrs, never an error:
 *   {"brokerMemberGroup":{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},
 *     "brokerName":"broker-a","cluster":"DefaultCluster"}}
 * A 5.x broker asks this only with enableSlaveActingMaster=true and compatibleWithOldNameSrv=false
 * (otherwise it reads the group from the route of `rmq_sys_SYNC_BROKER_MEMBER_<brokerName>`).
 *
 * The configuration requests carry java.util.Properties text ("key=value\n" lines, UTF-8) in the
 * body, as Java's Configuration.getAllConfigsFormatString / MixAll.string2Properties.
 */
import { toFastjsonBytes } from '../../protocol/json/fastjson-write.js';
import { RequestCode } from '../../protocol/codes/request-code.js';
import { ResponseCode } from '../../protocol/codes/response-code.js';
import { GetBrokerMemberGroupRequestHeader } from '../../protocol/headers/namesrv.js';
import { RequestRefusedError } from '../../common/errors.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { handlerTable } from '../../transport/handler-table.js';
import type { HandlerTable } from '../../transport/handler-table.js';
import type { NamesrvRuntime } from './handler.js';
import { ok } from './handler.js';

/** Keys Java refuses to change remotely (NamesrvConfig.configBlackList default). */
const CONFIG_BLACK_LIST = new Set(['configBlackList', 'configStorePath', 'kvConfigPath', 'rocketmqHome']);

function getBrokerMemberGroup(runtime: NamesrvRuntime, request: RemotingCommand): RemotingCommand {
  const h = GetBrokerMemberGroupRequestHeader.decode(request.extFields);
  const broker = runtime.registry.brokerAddrTable.get(h.brokerName);
  const brokerAddrs = new Map<number, string>(broker ? [...broker.brokerAddrs] : []);
  return ok({
    body: toFastjsonBytes(
      { brokerMemberGroup: { brokerAddrs, brokerName: h.brokerName, cluster: h.clusterName } },
      'plain',
    ),
  });
}

/** java.util.Properties text -> entries (comments and blank lines skipped, `=` or `:` separators). */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const at = line.search(/[=:]/);
    if (at < 0) out.set(line, '');
    else out.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return out;
}

export function propertiesText(entries: ReadonlyMap<string, string>): string {
  let s = '';
  for (const [k, v] of entries) s += `${k}=${v}\n`;
  return s;
}

function getNamesrvConfig(runtime: NamesrvRuntime): RemotingCommand {
  return ok({ body: Buffer.from(propertiesText(runtime.config.snapshot()), 'utf8') });
}

function updateNamesrvConfig(runtime: NamesrvRuntime, request: RemotingCommand): RemotingCommand {
  if (request.body === undefined || request.body.length === 0) return ok();
  const props = parseProperties(request.body.toString('utf8'));
  for (const key of props.keys()) {
    if (CONFIG_BLACK_LIST.has(key)) {
      throw new RequestRefusedError(ResponseCode.NO_PERMISSION, `Can not update config in black list.`);
    }
  }
  const applied = runtime.config.update(props);
  runtime.logger.info({ keys: applied }, 'name server config updated');
  return ok();
}

export function memberHandlers(runtime: NamesrvRuntime): HandlerTable {
  return handlerTable([
    [RequestCode.GET_BROKER_MEMBER_GROUP, (request) => getBrokerMemberGroup(runtime, request)],
    [RequestCode.GET_NAMESRV_CONFIG, () => getNamesrvConfig(runtime)],
    [RequestCode.UPDATE_NAMESRV_CONFIG, (request) => updateNamesrvConfig(runtime, request)],
  ]);
}
