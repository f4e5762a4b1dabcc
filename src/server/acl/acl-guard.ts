/**
 * Access control as a server RPC hook, where Java's broker puts it (BrokerController.initialAcl
 * registers `validator.validate(validator.parse(request, remoteAddr))` as a server hook): the
 * dispatcher runs it after finding the request's processor and before the processor, so a refused
 * request changes nothing, and answers the AclRefusedError it throws as SYSTEM_ERROR with the
 * "org.apache.rocketmq.acl.common.AclException: <reason>" remark (Java 4.9.8's form, less the stack
 * frame Java appends). Unknown codes never get here: they are answered REQUEST_CODE_NOT_SUPPORTED.
 *
 * The name server policy goes further than Java, whose name server checks nothing: every request
 * that changes state (broker registration, unregistration and heartbeats, KV config, name-server
 * config, write permissions, topic registration and deletion, and any code not listed as a query)
 * needs an admin account; the queries are open, or need any valid signature (`queries: 'signed'`).
 */
import { RequestCode } from '../../protocol/codes/request-code.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import type { RPCHook } from '../../transport/types.js';
import { ADMIN_CODES, requiredPermissions, UnreadableRequestError } from './acl-classify.js';
import { AclRefusedError } from './acl-errors.js';
import { Perm } from './acl-config.js';
import type { AclRules } from './acl-config.js';

/** Where the current rules are read from on every request (AclRulesFile, or fixed rules in tests). */
export interface AclRulesSource {
  readonly rules: AclRules;
}
import { checkAccess, checkGrantedResource } from './acl-validator.js';
import type { AccessGrant, AccessNeeds } from './acl-validator.js';

const NO_RESOURCES: ReadonlyMap<string, number> = new Map();

/**
 * Requests whose resource is only known once the broker has read the message they name: a message
 * viewed by its offset (VIEW_MESSAGE_BY_ID) or handed to a consumer (CONSUME_MESSAGE_DIRECTLY), sent back for a retry (CONSUMER_SEND_MSG_BACK), a half
 * message committed or rolled back (END_TRANSACTION). Java 4.9.8 checks at most the header's group or
 * topic there, so any signed account could read any topic's messages or end another producer's
 * transaction by its offsets; we also check the stored message's topic (`BrokerAccess.authorize`).
 */
export const LATE_CHECK_CODES: ReadonlySet<number> = new Set([
  RequestCode.VIEW_MESSAGE_BY_ID,
  RequestCode.CONSUME_MESSAGE_DIRECTLY,
  RequestCode.CONSUMER_SEND_MSG_BACK,
  RequestCode.END_TRANSACTION,
  // Kept for the producer groups it registers: a transaction check carries a whole message.
  RequestCode.HEART_BEAT,
]);

/** What a request handler may still ask of the access rules once it knows the resource. */
export type AccessAction = 'PUB' | 'SUB';

export interface BrokerAccess {
  /** The RPC hook that checks every request before its handler runs. */
  readonly hook: RPCHook;
  /**
   * Throws AclRefusedError unless the account that signed `request` (a LATE_CHECK_CODES request that
   * passed the hook) may `action` on `resources`: topics, or `%RETRY%group` for a group. A function is
   * called only here, so what it costs (decoding a stored message) is not paid with access control off.
   */
  authorize(request: RemotingCommand, resources: LateResources, action: AccessAction): void;
  /**
   * What the account that signed `request` (a LATE_CHECK_CODES request that passed the hook) may do,
   * kept after the request is gone: a heartbeat's producer registration answers with it whether its
   * connection may be sent a transaction check of a topic. Never true for a request the hook did not let in.
   */
  accessOf(request: RemotingCommand): AccessCheck;
}

/** May the account do `action` on `resource` (a topic, or `%RETRY%group`)? */
export type AccessCheck = (resource: string, action: AccessAction) => boolean;

/** One resource, or a function giving them. */
export type LateResources = string | (() => readonly string[]);

export function brokerAccess(rules: AclRulesSource): BrokerAccess {
  // Only the few late-checked requests are remembered, and only while the request object lives.
  const grants = new WeakMap<RemotingCommand, AccessGrant>();
  const hook: RPCHook = {
    beforeRequest(remoteAddress: string, request: RemotingCommand): void {
      // The resources are read once the signature is checked (an allowlisted address needs none).
      const needs = (): AccessNeeds => {
        let resources = NO_RESOURCES;
        if (request.extFields !== undefined) {
          try {
            resources = requiredPermissions(request);
          } catch (err) {
            if (err instanceof UnreadableRequestError) throw new AclRefusedError(err.message);
            throw err;
          }
        }
        return { resources, adminOnly: ADMIN_CODES.has(request.code) };
      };
      const grant = checkAccess(rules.rules, request, remoteAddress, needs);
      if (LATE_CHECK_CODES.has(request.code)) grants.set(request, grant);
    },
  };
  return {
    hook,
    authorize(request, resources, action) {
      const grant = grants.get(request);
      if (grant === undefined) throw new AclRefusedError('No accessKey is configured');
      const perm = action === 'PUB' ? Perm.PUB : Perm.SUB;
      for (const resource of typeof resources === 'string' ? [resources] : resources())
        checkGrantedResource(grant, request.code, resource, perm);
    },
    accessOf(request) {
      const grant = grants.get(request);
      const code = request.code;
      return (resource, action) => {
        if (grant === undefined) return false;
        try {
          checkGrantedResource(grant, code, resource, action === 'PUB' ? Perm.PUB : Perm.SUB);
          return true;
        } catch (err) {
          if (err instanceof AclRefusedError) return false;
          throw err;
        }
      };
    },
  };
}

/** The broker's RPC hook alone (tests and callers that need no late checks). */
export function brokerAclHook(rules: AclRulesSource): RPCHook {
  return brokerAccess(rules).hook;
}

/** How the name server treats route and cluster queries when access control is on. */
export type NamesrvQueryAccess = 'open' | 'signed';

/** Name server requests that only read. Everything else needs an admin account. */
export const NAMESRV_QUERY_CODES: ReadonlySet<number> = new Set([
  RequestCode.GET_ROUTEINFO_BY_TOPIC,
  RequestCode.GET_BROKER_CLUSTER_INFO,
  RequestCode.GET_KV_CONFIG,
  RequestCode.GET_KVLIST_BY_NAMESPACE,
  RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
  RequestCode.GET_TOPICS_BY_CLUSTER,
  RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS,
  RequestCode.GET_UNIT_TOPIC_LIST,
  RequestCode.GET_HAS_UNIT_SUB_TOPIC_LIST,
  RequestCode.GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST,
  RequestCode.GET_BROKER_MEMBER_GROUP,
  RequestCode.GET_NAMESRV_CONFIG,
]);

export function namesrvAclHook(rules: AclRulesSource, queries: NamesrvQueryAccess): RPCHook {
  return {
    beforeRequest(remoteAddress: string, request: RemotingCommand): void {
      if (NAMESRV_QUERY_CODES.has(request.code)) {
        if (queries === 'signed') checkAccess(rules.rules, request, remoteAddress, undefined);
        return;
      }
      checkAccess(rules.rules, request, remoteAddress, { resources: NO_RESOURCES, adminOnly: true });
    },
  };
}
