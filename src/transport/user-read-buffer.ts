/**
 * Makes a plain TCP socket read into buffers we choose, instead of a new ArrayBuffer per read.
 *
 * Node allocates every socket read (up to 64 KiB) as its own ArrayBuffer. V8 counts those bytes as
 * external memory, and at a few hundred MB/s of large requests that alone made it run a full
 * mark-compact every ~30 ms: a third of a broker's CPU per 1 MiB message. Reading such a request
 * straight into a reused buffer (frame-landing.ts) removes both the allocation and the GC.
 *
 * Node has this built in as the `onread` option of `net.connect`, but gives it no switch for the
 * sockets a server accepts. The option is kept in three symbol-keyed fields of the Socket (kBuffer,
 * kBufferCb, kBufferGen: the buffer of the next read, the callback, the generator of the next
 * buffer) and passed to the handle by `useUserBuffer`; this sets them on an accepted socket. That
 * reaches into Node's internals, so everything is checked first: on a Node whose sockets lack them
 * `install` returns false and the socket keeps reading the usual way ('data' events). Node's own
 * pause() / resume() honour the fields (they stop and start the handle's reading).
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/** Receives each read: `nread` bytes at the start of `buffer` (the buffer the read was made into). */
export type UserReadCallback = (nread: number, buffer: Buffer) => void;

interface OnreadFields {
  readonly buffer: symbol;
  readonly callback: symbol;
  readonly generator: symbol;
}

interface HandleWithUserBuffer {
  useUserBuffer(buffer: Uint8Array): void;
}

let fields: OnreadFields | null | undefined;

/** The three fields, found once by name on a socket; null when this Node does not have them. */
function onreadFields(socket: Socket): OnreadFields | null {
  if (fields !== undefined) return fields;
  const own = Object.getOwnPropertySymbols(socket);
  const named = (name: string): symbol | undefined => own.find((s) => s.description === name);
  const buffer = named('kBuffer');
  const callback = named('kBufferCb');
  const generator = named('kBufferGen');
  fields = buffer && callback && generator ? { buffer, callback, generator } : null;
  return fields;
}

/** The socket's handle when it can read into a user buffer. */
function handleOf(socket: Socket): HandleWithUserBuffer | undefined {
  const handle = (socket as unknown as { _handle?: Partial<HandleWithUserBuffer> | null })._handle;
  return typeof handle?.useUserBuffer === 'function' ? (handle as HandleWithUserBuffer) : undefined;
}

/** Whether `installUserReadBuffer` can switch `socket` (checked before anything is changed). */
export function canReadIntoUserBuffer(socket: Socket): boolean {
  if (socket instanceof TLSSocket || socket.destroyed) return false;
  const f = onreadFields(socket);
  if (f === null || handleOf(socket) === undefined) return false;
  const target = socket as unknown as Record<symbol, unknown>;
  return Object.hasOwn(target, f.buffer) && !target[f.buffer];
}

/**
 * From the next read on, `socket` reads into `first`, then into whatever `next` returns after each
 * read (called right after `onRead`); 'data' events stop. False (nothing changed) when the socket
 * cannot: a TLS socket, a closed one, one already reading into a user buffer, or a Node without the
 * fields.
 */
export function installUserReadBuffer(
  socket: Socket,
  first: Buffer,
  onRead: UserReadCallback,
  next: () => Buffer,
): boolean {
  if (!canReadIntoUserBuffer(socket)) return false;
  const f = fields!;
  const handle = handleOf(socket)!;
  const target = socket as unknown as Record<symbol, unknown>;
  target[f.callback] = onRead;
  target[f.generator] = next;
  target[f.buffer] = first;
  handle.useUserBuffer(first);
  return true;
}
