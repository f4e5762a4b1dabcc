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

/** Where a command keeps its body's chunks until something reads `body`. */
const CHUNKS = Symbol('rocketmq.chunkedBody');

type WithChunks = RemotingCommand & { [CHUNKS]?: ChunkedBody | undefined };

/**
 * Gives `command` the body held by `chunked`: `command.body` joins the chunks when first read (or
 * takes a value assigned to it), and chunkedBodyOf(command) hands out the chunks until then.
 */
export function attachChunkedBody(command: RemotingCommand, chunked: ChunkedBody): void {
  const target = command as WithChunks;
  Object.defineProperty(target, CHUNKS, { value: chunked, writable: true, configurable: true });
  Object.defineProperty(target, 'body', {
    get(this: WithChunks): Buffer | undefined {
      const held = this[CHUNKS];
      const joined = held?.join();
      settleBody(this, joined);
      return joined;
    },
    set(this: WithChunks, value: Buffer | undefined) {
      settleBody(this, value);
    },
    enumerable: true,
    configurable: true,
  });
}

/** Replaces the accessor with a plain data property holding `value`; the chunks are let go. */
function settleBody(command: WithChunks, value: Buffer | undefined): void {
  command[CHUNKS] = undefined;
  Object.defineProperty(command, 'body', { value, writable: true, enumerable: true, configurable: true });
}

/** The chunks of `command`'s body when nothing has read or replaced `body` yet; else undefined. */
export function chunkedBodyOf(command: RemotingCommand): ChunkedBody | undefined {
  return (command as WithChunks)[CHUNKS];
}

/** The body as chunks when it still is, else the Buffer (reading `body` joins nothing here). */
export function bodyOrChunks(command: RemotingCommand): Buffer | ChunkedBody | undefined {
  return chunkedBodyOf(command) ?? command.body;
}
