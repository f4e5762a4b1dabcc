/**
 * Queue selectors (Java MessageQueueSelector and its three built-ins). A selector gets the topic's
 * writable queues (topics without the namespace, in route order), the message and the caller's
 * argument, and returns one of those queues; the send then goes to that queue only.
 *
 * Hash (SelectMessageQueueByHash): `abs(hashCode(arg) % n)`, with Java's hashCode of the argument, so
 * a Java and a TypeScript producer put the same key on the same queue. Supported arguments and the
 * Java type whose hashCode they get:
 *
 *   string                                      String.hashCode (UTF-16 units, 31*h + c)
 *   number, integer in int32 range              Integer.hashCode (the value)
 *   number, other safe integer; bigint (int64)  Long.hashCode ((int)(v ^ (v >>> 32)))
 *   number, not an integer                      Double.hashCode (bits ^ (bits >>> 32))
 *   boolean                                     Boolean.hashCode (1231 / 1237)
 *
 * Anything else makes the selector throw (the send fails with QueueSelectionError).
 */
import { IllegalArgumentError } from '../../../common/errors.js';
import type { Message } from '../../../protocol/message/index.js';
import { javaStringHash } from '../../../protocol/java/string-hash.js';
import type { MessageQueue } from '../../message-queue.js';

/**
 * Chooses a queue among `queues` (never empty) for `message`; `arg` is the send's argument. The
 * message is the one being sent (Java hands a copy): read it, do not change it.
 */
export type MessageQueueSelector = (
  queues: readonly MessageQueue[],
  message: Message,
  arg: unknown,
) => MessageQueue | null | undefined;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Java Long.hashCode of a 64-bit value. */
function longHash(value: bigint): number {
  const bits = BigInt.asUintN(64, value);
  return Number(BigInt.asIntN(32, bits ^ (bits >> 32n)));
}

/** Java Double.hashCode (doubleToLongBits: every NaN is the canonical 0x7ff8000000000000). */
function doubleHash(value: number): number {
  if (Number.isNaN(value)) return longHash(0x7ff8000000000000n);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return longHash(view.getBigInt64(0));
}

/** Java's hashCode of `arg` as the Java type it corresponds to (see the file header). */
export function javaHashCode(arg: unknown): number {
  switch (typeof arg) {
    case 'string':
      return javaStringHash(arg);
    case 'boolean':
      return arg ? 1231 : 1237;
    case 'bigint':
      if (arg < INT64_MIN || arg > INT64_MAX) {
        throw new IllegalArgumentError(`hash selector: bigint ${arg} is outside Java's long range`);
      }
      return longHash(arg);
    case 'number':
      if (Number.isInteger(arg) && arg >= -0x80000000 && arg <= 0x7fffffff) return arg | 0;
      if (Number.isSafeInteger(arg)) return longHash(BigInt(arg));
      return doubleHash(arg);
    default:
      throw new IllegalArgumentError(
        `hash selector: cannot compute Java's hashCode of a ${arg === null ? 'null' : typeof arg} argument (pass a string, number, bigint or boolean)`,
      );
  }
}

/** Index SelectMessageQueueByHash picks among `queueCount` queues for `arg`. */
export function hashQueueIndex(arg: unknown, queueCount: number): number {
  return Math.abs(javaHashCode(arg) % queueCount);
}

/** Java SelectMessageQueueByHash: the same argument always picks the same queue of the same list. */
export const selectMessageQueueByHash: MessageQueueSelector = (queues, _message, arg) =>
  queues[hashQueueIndex(arg, queues.length)];

/** Java SelectMessageQueueByRandom: a uniformly random queue (`random` returns [0, 1)). */
export function selectMessageQueueByRandom(random: () => number = Math.random): MessageQueueSelector {
  return (queues) => queues[Math.floor(random() * queues.length)];
}

/**
 * Java SelectMessageQueueByMachineRoom: Java's implementation keeps a set of consumer IDCs and returns
 * null, so a send with it fails ("select message queue return null."); this one does the same, on
 * purpose, so code ported from Java behaves the same. Write your own selector to route by room.
 */
export function selectMessageQueueByMachineRoom(
  consumeridcs: ReadonlySet<string> = new Set(),
): MessageQueueSelector & { readonly consumeridcs: ReadonlySet<string> } {
  return Object.assign((): MessageQueue | null => null, { consumeridcs });
}
