/**
 * The stored property string of a plain message (the common send), without a property table.
 *
 * For every single send the broker turns the producer's property string into the one a 4.9.8 broker
 * stores: Java HashMap order, CLUSTER added, WAIT left out (send-requests.ts). Decoding the string
 * into a table and serializing it again cost a substring and a hashed key per property and a dozen
 * string concatenations per message. Here the entries of the string are located (no substring), and
 * when its keys are those of a recent message (compared in place) the order worked out for them
 * then is reused: the stored string is a few slices of the producer's string joined with the CLUSTER
 * entry, and WAIT and TAGS are read from where they are.
 *
 * Only plain messages take this path. A property string that is not clean (an entry without a name or
 * a value, a duplicate name, no U+0001) or that carries a property the send path acts on (delay
 * level, timer properties, transaction flag, CLUSTER) returns undefined, and the caller builds the
 * table as before. The result is always the string that path would store
 * (test/unit/broker-plain-properties.test.ts compares the two), except that a name that is an array
 * index ("0", "42") keeps its place in the string here, as in a Java HashMap, where the table path's
 * JS object lists it before the other names.
 */
import { javaHashMapOrder } from '../../../protocol/java/hash-map.js';
import { MessageConst } from '../../../protocol/message/constants.js';
import { NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from '../../../protocol/message/properties.js';
import { TIMER_PROPERTIES } from '../../../protocol/message/timer-message.js';

export interface PlainProperties {
  /** The property string to store. */
  readonly stored: string;
  /** The WAIT value the producer sent, if any. */
  readonly wait: string | undefined;
  /** The TAGS value, if any. */
  readonly tags: string | undefined;
  /** The UNIQ_KEY value (the client's message id), if any: 5.x answers it as the transactionId. */
  readonly uniq: string | undefined;
}

/** Properties that make a send more than a plain message. */
const ACTED_ON: ReadonlySet<string> = new Set<string>([
  MessageConst.PROPERTY_DELAY_TIME_LEVEL,
  MessageConst.PROPERTY_TRANSACTION_PREPARED,
  MessageConst.PROPERTY_CLUSTER,
  MessageConst.PROPERTY_TIMER_OUT_MS,
  ...TIMER_PROPERTIES,
]);

/** Entries of a string beyond this take the table path. */
const MAX_ENTRIES = 64;
/** Per entry of the string being read: start, U+0001 position, end (exclusive, before U+0002). */
const starts = new Int32Array(MAX_ENTRIES);
const seps = new Int32Array(MAX_ENTRIES);
const ends = new Int32Array(MAX_ENTRIES);

/** What a key sequence stores: runs of entries (a, b inclusive; -1 for the CLUSTER entry). */
interface Plan {
  readonly keys: readonly string[];
  /** False when the keys make the message more than plain (see ACTED_ON) or repeat. */
  readonly plain: boolean;
  readonly runs: readonly (readonly [number, number])[];
  readonly waitIndex: number;
  readonly tagsIndex: number;
  readonly uniqIndex: number;
}

/** Plans of recent key sequences, newest first; a broker sees a few (TAGS or KEYS present or not...). */
const plans: Plan[] = [];
const MAX_PLANS = 8;

/** Locates the entries of `s`; their count, or -1 when an entry is not clean. */
function locate(s: string): number {
  const length = s.length;
  let n = 0;
  for (let at = 0; at < length;) {
    let end = s.indexOf(PROPERTY_SEPARATOR, at);
    if (end < 0) end = length;
    const sep = s.indexOf(NAME_VALUE_SEPARATOR, at);
    // A name and a value, both non-empty.
    if (sep <= at || sep >= end - 1 || n === MAX_ENTRIES) return -1;
    starts[n] = at;
    seps[n] = sep;
    ends[n] = end;
    n++;
    at = end + 1;
  }
  return n;
}

function matches(plan: Plan, s: string, n: number): boolean {
  const keys = plan.keys;
  if (keys.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    if (seps[i]! - starts[i]! !== key.length || !s.startsWith(key, starts[i])) return false;
  }
  return true;
}

function makePlan(s: string, n: number): Plan {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) keys.push(s.substring(starts[i]!, seps[i]!));
  const plain = new Set(keys).size === n && !keys.some((k) => ACTED_ON.has(k));
  const order = plain ? javaHashMapOrder([...keys, MessageConst.PROPERTY_CLUSTER]) : [];
  const waitIndex = keys.indexOf(MessageConst.PROPERTY_WAIT_STORE_MSG_OK);
  const runs: [number, number][] = [];
  for (const key of order) {
    if (key === MessageConst.PROPERTY_WAIT_STORE_MSG_OK) continue; // a key of the table, not stored
    const index = keys.indexOf(key); // -1: CLUSTER
    const last = runs[runs.length - 1];
    if (last !== undefined && index >= 0 && last[1] >= 0 && last[1] === index - 1) last[1] = index;
    else runs.push([index, index]);
  }
  return {
    keys,
    plain,
    runs,
    waitIndex,
    tagsIndex: keys.indexOf(MessageConst.PROPERTY_TAGS),
    uniqIndex: keys.indexOf(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
  };
}

function planFor(s: string, n: number): Plan {
  for (let i = 0; i < plans.length; i++) {
    const plan = plans[i]!;
    if (!matches(plan, s, n)) continue;
    if (i > 0) {
      plans.splice(i, 1);
      plans.unshift(plan);
    }
    return plan;
  }
  const plan = makePlan(s, n);
  plans.unshift(plan);
  if (plans.length > MAX_PLANS) plans.pop();
  return plan;
}

let clusterName: string | undefined;
let clusterEntry = '';

/** The stored form of `properties` for a plain message of cluster `cluster`; undefined otherwise. */
export function plainStoredProperties(properties: string, cluster: string): PlainProperties | undefined {
  const n = locate(properties);
  if (n < 0) return undefined;
  const plan = planFor(properties, n);
  if (!plan.plain) return undefined;
  if (cluster !== clusterName) {
    clusterName = cluster;
    clusterEntry = MessageConst.PROPERTY_CLUSTER + NAME_VALUE_SEPARATOR + cluster;
  }
  let stored = '';
  for (let i = 0; i < plan.runs.length; i++) {
    const [a, b] = plan.runs[i]!;
    const piece = a < 0 ? clusterEntry : properties.substring(starts[a]!, ends[b]!);
    stored = i === 0 ? piece : stored + PROPERTY_SEPARATOR + piece;
  }
  const w = plan.waitIndex;
  const t = plan.tagsIndex;
  const u = plan.uniqIndex;
  return {
    stored,
    wait: w < 0 ? undefined : properties.substring(seps[w]! + 1, ends[w]!),
    tags: t < 0 ? undefined : properties.substring(seps[t]! + 1, ends[t]!),
    uniq: u < 0 ? undefined : properties.substring(seps[u]! + 1, ends[u]!),
  };
}
