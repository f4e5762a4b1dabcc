/**
 * Fault rules for users' tests: what a broker of an embedded cluster does wrong, and to which requests.
 * A rule is checked and frozen when injected (resolveFaultRule), so a bad rule fails the `inject` call
 * and nothing of it applies.
 *
 *   kind                 effect on a matching request (or connection, or fsync)
 *   'latency'            processed `millis` later
 *   'busy'               answered SYSTEM_BUSY (the remark Java's flow control writes)
 *   'respond'            answered `code` (number or ResponseCode name) with `remark`
 *   'drop'               the connection is closed; the request is never answered
 *   'refuseConnections'  new connections are closed as soon as they are accepted
 *   'stallFlush'         every fdatasync waits `millis` (default: until the rule is removed), so a
 *                        SYNC_FLUSH broker answers FLUSH_DISK_TIMEOUT after its syncFlushTimeoutMillis
 *
 * Selection: `codes` (request codes, numbers or RequestCode names; default all) and `topics` (the
 * request's `topic` header, V1 or V2 name; default any) pick the requests; then `fraction` (0..1,
 * default 1) of them, drawn from the injector's random source (seeded: reproducible), at most `count`
 * times in all (default unlimited). The first rule, in injection order, that takes a request wins.
 */
import { IllegalArgumentError } from '../../common/errors.js';
import { RequestCode } from '../../protocol/codes/request-code.js';
import { ResponseCode } from '../../protocol/codes/response-code.js';

/** What a fault rule does: delay (latency), SYSTEM_BUSY (busy), a chosen response code (respond), drop the connection, refuse connections, or stall flushes. */
export type FaultKind = 'latency' | 'busy' | 'respond' | 'drop' | 'refuseConnections' | 'stallFlush';

/** One fault to inject on a broker: its kind, which requests (codes, topics), how often (fraction, count) and its parameters. */
export interface FaultRule {
  /** What the rule does. */
  kind: FaultKind;
  /** Request codes the rule applies to (numbers or RequestCode names); default all. */
  codes?: readonly (number | string)[];
  /** Topics the rule applies to (header `topic`, V2 `b`); default any request. */
  topics?: readonly string[];
  /** Share of the matching requests hit, 0..1; default 1. */
  fraction?: number;
  /** Hit at most this many times, then the rule is spent; default unlimited. */
  count?: number;
  /** latency: delay (required); stallFlush: how long each fsync waits (default until removed). */
  millis?: number;
  /** respond: the response code (number or ResponseCode name). */
  code?: number | string;
  /** respond: the remark; default "injected fault". */
  remark?: string;
}

/** A checked rule: codes resolved to numbers, defaults filled in. */
export interface ResolvedFaultRule {
  readonly kind: FaultKind;
  readonly codes: ReadonlySet<number> | undefined;
  readonly topics: ReadonlySet<string> | undefined;
  readonly fraction: number;
  readonly count: number;
  readonly millis: number | undefined;
  readonly responseCode: number;
  readonly remark: string;
}

const KINDS: readonly FaultKind[] = ['latency', 'busy', 'respond', 'drop', 'refuseConnections', 'stallFlush'];
const RULE_KEYS = new Set([
  'kind',
  'codes',
  'topics',
  'fraction',
  'count',
  'millis',
  'code',
  'remark',
  'broker',
]);
/** Kinds that act on requests (codes / topics select them). */
const REQUEST_KINDS = new Set<FaultKind>(['latency', 'busy', 'respond', 'drop']);

export const BUSY_REMARK = '[REJECTREQUEST]system busy, start flow control for a while';

function fail(message: string): never {
  throw new IllegalArgumentError(`fault rule: ${message}`);
}

function codeOf(table: Record<string, number>, what: string, value: number | string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    const named = table[value.toUpperCase()];
    if (named !== undefined) return named;
    if (/^-?\d+$/.test(value)) return Number(value);
  }
  return fail(
    `unknown ${what} ${JSON.stringify(value)} (a number or a name such as ${Object.keys(table)[0]})`,
  );
}

export function resolveFaultRule(rule: FaultRule): ResolvedFaultRule {
  if (rule === null || typeof rule !== 'object') fail('expected an object with a `kind`');
  const unknown = Object.keys(rule).filter((k) => !RULE_KEYS.has(k));
  if (unknown.length > 0) fail(`unknown key(s) ${unknown.join(', ')} (known: ${[...RULE_KEYS].join(', ')})`);
  if (!KINDS.includes(rule.kind)) fail(`kind must be one of ${KINDS.join(', ')}, got ${String(rule.kind)}`);
  const fraction = rule.fraction ?? 1;
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) {
    fail(`fraction must be a number from 0 to 1, got ${String(rule.fraction)}`);
  }
  const count = rule.count ?? Infinity;
  if (count !== Infinity && !(Number.isInteger(count) && count >= 1)) {
    fail(`count must be an integer >= 1, got ${String(rule.count)}`);
  }
  const millis = rule.millis;
  if (millis !== undefined && !(Number.isInteger(millis) && millis >= 0 && millis <= 3_600_000)) {
    fail(`millis must be an integer from 0 to 3600000, got ${String(millis)}`);
  }
  if (rule.kind === 'latency' && millis === undefined) fail("kind 'latency' needs millis");
  if (rule.kind === 'respond' && rule.code === undefined) fail("kind 'respond' needs code");
  if (!REQUEST_KINDS.has(rule.kind) && (rule.codes !== undefined || rule.topics !== undefined)) {
    fail(`kind '${rule.kind}' does not select requests: codes and topics do not apply`);
  }
  const codes = listOf('codes', rule.codes)?.map((c) => codeOf(RequestCode, 'request code', c));
  const topics = listOf('topics', rule.topics);
  if (topics?.some((t) => typeof t !== 'string' || t === '')) fail('topics must be non-empty strings');
  const responseCode =
    rule.kind === 'busy'
      ? ResponseCode.SYSTEM_BUSY
      : rule.kind === 'respond'
        ? codeOf(ResponseCode, 'response code', rule.code as number | string)
        : ResponseCode.SUCCESS;
  if (rule.remark !== undefined && typeof rule.remark !== 'string') fail('remark must be a string');
  return Object.freeze({
    kind: rule.kind,
    codes: codes && new Set(codes),
    topics: topics && new Set(topics as string[]),
    fraction,
    count,
    millis,
    responseCode,
    remark: rule.remark ?? (rule.kind === 'busy' ? BUSY_REMARK : 'injected fault'),
  });
}

function listOf<T>(name: string, value: readonly T[] | undefined): readonly T[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) fail(`${name} must be a non-empty list`);
  return value;
}

const SPEC_KINDS: Record<string, FaultKind> = {
  latency: 'latency',
  busy: 'busy',
  respond: 'respond',
  drop: 'drop',
  'refuse-connections': 'refuseConnections',
  refuseconnections: 'refuseConnections',
  'stall-flush': 'stallFlush',
  stallflush: 'stallFlush',
};

/** A rule with the broker it targets (index in the cluster; undefined: every broker). */
export interface ClusterFaultRule extends FaultRule {
  /** Broker slot the rule applies to; default every broker. */
  broker?: number;
}

/**
 * Parses the command-line form (`rmq dev --inject`): KIND[,key=value...], keys broker, code(s),
 * topic(s) (several joined with '+'), fraction, count, millis, response, remark. Examples:
 * `busy,codes=SEND_MESSAGE+SEND_MESSAGE_V2,fraction=0.3`, `latency,millis=200,topic=Orders`,
 * `respond,response=SYSTEM_ERROR,count=2`, `stall-flush`, `refuse-connections,count=3`.
 */
export function parseFaultSpec(spec: string): ClusterFaultRule {
  const [head = '', ...pairs] = spec.split(',');
  const kind = SPEC_KINDS[head.trim().toLowerCase()];
  if (kind === undefined) {
    fail(`unknown kind "${head}" in "${spec}" (one of ${Object.keys(SPEC_KINDS).slice(0, 7).join(', ')})`);
  }
  const rule: ClusterFaultRule = { kind };
  const number = (key: string, v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) fail(`${key}=${v} in "${spec}" is not a number`);
    return n;
  };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) fail(`"${pair}" in "${spec}" is not key=value`);
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    switch (key) {
      case 'broker':
        rule.broker = number(key, value);
        break;
      case 'code':
      case 'codes':
        rule.codes = value.split('+');
        break;
      case 'topic':
      case 'topics':
        rule.topics = value.split('+');
        break;
      case 'fraction':
      case 'count':
      case 'millis':
        rule[key] = number(key, value);
        break;
      case 'response':
        rule.code = value;
        break;
      case 'remark':
        rule.remark = value;
        break;
      default:
        fail(
          `unknown key "${key}" in "${spec}" (broker, codes, topics, fraction, count, millis, response, remark)`,
        );
    }
  }
  resolveFaultRule(rule); // checked now: a bad flag is refused before anything starts
  return rule;
}
