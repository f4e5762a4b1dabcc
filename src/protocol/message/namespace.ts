/**
 * Namespaces (Java NamespaceUtil): `<namespace>%<resource>`, with a leading `%RETRY%` or `%DLQ%`
 * kept in front. System topics and `CID_RMQ_SYS_` groups are never wrapped or unwrapped.
 */
import {
  DLQ_GROUP_TOPIC_PREFIX,
  RETRY_GROUP_TOPIC_PREFIX,
  isSystemConsumerGroup,
  isSystemTopic,
} from './validators.js';

export const NAMESPACE_SEPARATOR = '%';

function isSystemResource(r: string): boolean {
  return r.length > 0 && (isSystemTopic(r) || isSystemConsumerGroup(r));
}

export function isRetryTopic(r: string): boolean {
  return r.trim() !== '' && r.startsWith(RETRY_GROUP_TOPIC_PREFIX);
}

export function isDLQTopic(r: string): boolean {
  return r.trim() !== '' && r.startsWith(DLQ_GROUP_TOPIC_PREFIX);
}

/** The resource without a leading `%RETRY%` or `%DLQ%`. */
export function withoutRetryAndDLQ(r: string): string {
  if (!r) return '';
  if (isRetryTopic(r)) return r.slice(RETRY_GROUP_TOPIC_PREFIX.length);
  if (isDLQTopic(r)) return r.slice(DLQ_GROUP_TOPIC_PREFIX.length);
  return r;
}

function prefixOf(r: string): string {
  return (isRetryTopic(r) ? RETRY_GROUP_TOPIC_PREFIX : '') + (isDLQTopic(r) ? DLQ_GROUP_TOPIC_PREFIX : '');
}

export function isAlreadyWithNamespace(r: string, ns: string | undefined): boolean {
  if (!ns || !r || isSystemResource(r)) return false;
  return withoutRetryAndDLQ(r).startsWith(ns + NAMESPACE_SEPARATOR);
}

/** `ns%r` (retry/DLQ prefix kept in front); unchanged when ns is empty, r is system or already wrapped. */
export function wrapNamespace(ns: string | undefined, r: string): string {
  if (!ns || !r) return r;
  if (isSystemResource(r) || isAlreadyWithNamespace(r, ns)) return r;
  return prefixOf(r) + ns + NAMESPACE_SEPARATOR + withoutRetryAndDLQ(r);
}

/**
 * Strip a namespace. With `ns`, only that namespace is removed; without, whatever precedes the first
 * `%` of the (prefix-stripped) resource is.
 */
export function withoutNamespace(r: string, ns?: string): string {
  if (ns !== undefined) {
    if (!r || !ns) return r;
    return withoutRetryAndDLQ(r).startsWith(ns + NAMESPACE_SEPARATOR) ? withoutNamespace(r) : r;
  }
  if (!r || isSystemResource(r)) return r;
  const rest = withoutRetryAndDLQ(r);
  const i = rest.indexOf(NAMESPACE_SEPARATOR);
  return i > 0 ? prefixOf(r) + rest.slice(i + 1) : r;
}

/** The namespace part of a resource, or '' when it has none. */
export function getNamespaceFromResource(r: string): string {
  if (!r || isSystemResource(r)) return '';
  const rest = withoutRetryAndDLQ(r);
  const i = rest.indexOf(NAMESPACE_SEPARATOR);
  return i > 0 ? rest.slice(0, i) : '';
}

/** `%RETRY%` + the wrapped group. */
export function wrapNamespaceAndRetry(ns: string | undefined, group: string): string {
  return RETRY_GROUP_TOPIC_PREFIX + wrapNamespace(ns, group);
}

/**
 * Namespace implied by a name-server address of the form `[scheme://]MQ_INST_<x>_<y>.<host>...`:
 * the text between the last '/' and the first '.' after it. Undefined otherwise.
 */
export function namespaceFromNamesrvAddr(addr: string | undefined): string | undefined {
  if (!addr || !/^(\w+:\/\/|)MQ_INST_\w+_\w+\..*/.test(addr)) return undefined;
  const start = addr.lastIndexOf('/') + 1;
  const dot = addr.indexOf('.', start);
  return addr.slice(start, dot);
}
