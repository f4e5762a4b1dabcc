/**
 * Decoding a frame whose payload arrived in several socket chunks, without joining them: the header
 * is decoded where it lies (copied out only when it straddles chunks, which a small header rarely
 * does), and the body stays as views of the chunks (chunked-body.ts). Same checks and errors as
 * decodeFramePayload, in the same order.
 */
import { ProtocolError } from '../../common/errors.js';
import { attachChunkedBody, ChunkedBody, piecesAfter } from '../command/chunked-body.js';
import type { HeaderLimits } from '../command/header-limits.js';
import type { RemotingCommand } from '../command/remoting-command.js';
import { checkHeaderFits, decodeCommandHeader } from './frame-codec.js';

/**
 * Decodes the frame payload (the bytes after the length prefix) held by `pieces`, in order, of
 * `length` bytes in all. A body of the payload is attached as a ChunkedBody.
 */
export function decodeSplitFramePayload(
  pieces: readonly Buffer[],
  length: number,
  limits: HeaderLimits,
): RemotingCommand {
  if (length < 4) throw new ProtocolError(`frame of ${length} bytes is too short to hold the header length`);
  const first = pieces[0]!;
  const marker = first.length >= 4 ? first.readUInt32BE(0) : copyPrefix(pieces, 4).readUInt32BE(0);
  const headEnd = 4 + (marker & 0xffffff);
  checkHeaderFits(marker & 0xffffff, length);
  const head = first.length >= headEnd ? first : copyPrefix(pieces, headEnd);
  const command = decodeCommandHeader(head, marker, limits);
  if (length > headEnd) attachChunkedBody(command, new ChunkedBody(piecesAfter(pieces, headEnd)));
  return command;
}

/** The first `bytes` bytes of `pieces` (which hold at least that many) in one new buffer. */
function copyPrefix(pieces: readonly Buffer[], bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let filled = 0;
  for (const piece of pieces) {
    const take = Math.min(piece.length, bytes - filled);
    out.set(take === piece.length ? piece : piece.subarray(0, take), filled);
    filled += take;
    if (filled === bytes) break;
  }
  return out;
}
