/**
 * A large body left in the socket chunks it arrived in. A frame split across chunks used to be
 * copied into one new buffer; a 1 MiB body then cost a 1 MiB allocation per message (external memory
 * that drives V8 into a mark-compact every few dozen messages) and a copy that only the few readers
 * wanting one contiguous buffer need. The broker writes such a body to the commit log straight from
 * its chunks (pwritev) and takes its CRC chunk by chunk.
 *
 * A decoded command keeps the plain `body: Buffer` contract: `body` is an accessor that joins the
 * chunks on first read and from then on is an ordinary data property. Code that can work on the
 * chunks asks `chunkedBodyOf` first, before anything reads `body`.
 */
import type { RemotingCommand } from './remoting-command.js';

/** Body bytes as a list of chunks (views of the buffers the socket filled, in order). */
export class ChunkedBody {
  /** Total bytes of all chunks. */
  readonly length: number;

  constructor(
    /** The chunks, none empty. */
    readonly chunks: readonly Buffer[],
  ) {
    let length = 0;
    for (const chunk of chunks) length += chunk.length;
    this.length = length;
  }

  /** The bytes in one new buffer. */
  join(): Buffer {
    return Buffer.concat(this.chunks as Buffer[], this.length);
  }
}

/** Views of `pieces` from byte `offset` of their concatenation to the end (no copy). */
export function piecesAfter(pieces: readonly Buffer[], offset: number): Buffer[] {
  const out: Buffer[] = [];
  let skip = offset;
  for (const piece of pieces) {
    if (skip >= piece.length) {
      skip -= piece.length;
      continue;
    }
    out.push(skip === 0 ? piece : piece.subarray(skip));
    skip = 0;
  }
  return out;
}

/** Where a command keeps its body's chunks until something reads `body`. */
const CHUNKS = Symbol('rocketmq.chunkedBody');

type WithChunks = RemotingCommand & { [CHUNKS]?: ChunkedBody | undefined };

/** The joined bytes of a ChunkedBody, once made (a frozen command cannot hold them itself). */
const joinedBodies = new WeakMap<ChunkedBody, Buffer>();

/** The `body` accessor of every command with a chunked body (chunkedBodyOf checks it is still there). */
function readBody(this: WithChunks): Buffer | undefined {
  const held = this[CHUNKS];
  if (held === undefined) return undefined;
  let joined = joinedBodies.get(held);
  if (joined === undefined) {
    joined = held.join();
    joinedBodies.set(held, joined);
  }
  settleBody(this, joined);
  return joined;
}

function writeBody(this: WithChunks, value: Buffer | undefined): void {
  // As for a frozen object's data property: the assignment is refused, not dropped in silence.
  if (!Object.isExtensible(this)) throw new TypeError("Cannot assign to read only property 'body'");
  settleBody(this, value);
}

/**
 * Gives `command` the body held by `chunked`: `command.body` joins the chunks when first read (or
 * takes a value assigned to it), and chunkedBodyOf(command) hands out the chunks until then.
 */
export function attachChunkedBody(command: RemotingCommand, chunked: ChunkedBody): void {
  Object.defineProperty(command, CHUNKS, { value: chunked, writable: true, configurable: true });
  Object.defineProperty(command, 'body', {
    get: readBody,
    set: writeBody,
    enumerable: true,
    configurable: true,
  });
}

/**
 * Replaces the accessor with a plain data property holding `value`; the chunks are let go. A frozen
 * or sealed command keeps its accessor (reads return the bytes joined once).
 */
function settleBody(command: WithChunks, value: Buffer | undefined): void {
  if (!Object.isExtensible(command)) return;
  command[CHUNKS] = undefined;
  Object.defineProperty(command, 'body', { value, writable: true, enumerable: true, configurable: true });
}

/**
 * The chunks of `command`'s body while `body` is still the untouched accessor (not read, assigned,
 * deleted or redefined); else undefined.
 */
export function chunkedBodyOf(command: RemotingCommand): ChunkedBody | undefined {
  const held = (command as WithChunks)[CHUNKS];
  if (held === undefined) return undefined;
  const descriptor = Object.getOwnPropertyDescriptor(command, 'body');
  if (descriptor?.get !== readBody || joinedBodies.has(held)) return undefined;
  return held;
}

/** The body as chunks when it still is, else the Buffer (reading `body` joins nothing here). */
export function bodyOrChunks(command: RemotingCommand): Buffer | ChunkedBody | undefined {
  return chunkedBodyOf(command) ?? command.body;
}
