/**
 * Frame layout (all big-endian):
 *
 *   offset  size  field
 *   0       4     totalLength  int32 = 4 + headerLength + bodyLength (does not count itself)
 *   4       1     serializeType (0 JSON, 1 ROCKETMQ)          \ one int32:
 *   5       3     headerLength uint24                          / (type << 24) | headerLength
 *   8       H     header
 *   8+H     B     body (B = totalLength - 4 - H, may be 0)
 */
import { HeaderLimitError, ProtocolError } from '../../common/errors.js';
import { MAX_HEADER_LENGTH, SerializeType } from '../codes/misc.js';
import type { SerializeTypeCode } from '../codes/misc.js';
import { decodeBinaryHeader, encodeBinaryHeader } from '../command/binary-header.js';
import { encodeBinaryFrame } from '../command/binary-header-write.js';
import { javaWellFormed } from '../java/utf8.js';
import { decodeJsonHeaderAt, encodeJsonHeader, jsonHeaderText } from '../command/json-header.js';
import { encodeJsonFrameFast } from '../command/json-header-write.js';
import type { RemotingCommand } from '../command/remoting-command.js';
import { DEFAULT_HEADER_LIMITS, headerTooLong, withAnswerOpaque } from '../command/header-limits.js';
import type { HeaderLimits } from '../command/header-limits.js';

/** Encodes the header only, in the given form. */
export function encodeHeader(command: RemotingCommand, serializeType: SerializeTypeCode): Buffer {
  return serializeType === SerializeType.ROCKETMQ ? encodeBinaryHeader(command) : encodeJsonHeader(command);
}

/**
 * Encodes a whole frame, length prefix included. The form defaults to the one the command arrived in,
 * else JSON.
 */
export function encodeFrame(command: RemotingCommand, serializeType?: SerializeTypeCode): Buffer {
  const type = serializeType ?? command.serializeType ?? SerializeType.JSON;
  if (type !== SerializeType.ROCKETMQ) return encodeJsonFrame(command, type);
  return encodeBinaryFrame(command, type);
}

/**
 * Bodies of at least this many bytes are not copied into their frame: the transport writes the head
 * (encodeFrameHead) and the body one after the other in one corked writev.
 */
export const SEPARATE_BODY_BYTES = 16 * 1024;

/**
 * The frame of `command` without its body bytes: length prefix (counting the body), serialize type,
 * header. Followed by `command.body` it is byte for byte encodeFrame(command).
 */
export function encodeFrameHead(command: RemotingCommand, serializeType?: SerializeTypeCode): Buffer {
  const bodyLength = command.body?.length ?? 0;
  const headless: RemotingCommand = { ...command };
  delete headless.body;
  const head = encodeFrame(headless, serializeType);
  head.writeInt32BE(head.readInt32BE(0) + bodyLength, 0);
  return head;
}

function checkHeaderLength(length: number): void {
  if (length > MAX_HEADER_LENGTH) {
    throw new ProtocolError(`header of ${length} bytes exceeds the 24-bit header length field`);
  }
}

/**
 * JSON frames: the byte writer for the usual case, else the header text written straight into the
 * frame (one allocation, no intermediate copy either way).
 */
function encodeJsonFrame(command: RemotingCommand, type: SerializeTypeCode): Buffer {
  const fast = encodeJsonFrameFast(command, type);
  if (fast) return fast;
  const text = javaWellFormed(jsonHeaderText(command));
  const headerLength = Buffer.byteLength(text, 'utf8');
  checkHeaderLength(headerLength);
  const body = command.body;
  const bodyLength = body?.length ?? 0;
  const frame = Buffer.allocUnsafe(8 + headerLength + bodyLength);
  frame.writeInt32BE(4 + headerLength + bodyLength, 0);
  frame.writeInt32BE((type << 24) | headerLength, 4);
  frame.write(text, 8, headerLength, 'utf8');
  if (body) frame.set(body, 8 + headerLength);
  return frame;
}

/**
 * Decodes one frame payload: the bytes after the 4-byte length prefix (serialize-type/header-length
 * int32, header, body). Throws ProtocolError when the bytes are not a valid command, HeaderLimitError
 * when the header is longer or has more fields than `limits` allow (checked before decoding it).
 */
export function decodeFramePayload(
  payload: Buffer,
  limits: HeaderLimits = DEFAULT_HEADER_LIMITS,
): RemotingCommand {
  if (payload.length < 4) {
    throw new ProtocolError(`frame of ${payload.length} bytes is too short to hold the header length`);
  }
  const marker = payload.readUInt32BE(0);
  checkHeaderFits(marker & 0xffffff, payload.length);
  const command = decodeCommandHeader(payload, marker, limits);
  const bodyStart = 4 + (marker & 0xffffff);
  if (payload.length > bodyStart) command.body = payload.subarray(bodyStart);
  return command;
}

/** The header length of a frame payload of `payloadLength` bytes must leave room for itself. */
export function checkHeaderFits(headerLength: number, payloadLength: number): void {
  if (headerLength > payloadLength - 4) {
    throw new ProtocolError(
      `header length ${headerLength} exceeds the frame (${payloadLength - 4} bytes after it)`,
    );
  }
}

/**
 * Decodes the header that `head` holds from offset 4, after the serialize-type/header-length int32
 * `marker` (the header must lie wholly in `head`; checkHeaderFits first).
 */
export function decodeCommandHeader(head: Buffer, marker: number, limits: HeaderLimits): RemotingCommand {
  const type = marker >>> 24;
  const headerLength = marker & 0xffffff;
  try {
    if (headerLength > limits.maxHeaderLength) throw headerTooLong(headerLength, limits.maxHeaderLength);
    if (type === SerializeType.JSON)
      return decodeJsonHeaderAt(head, 4, 4 + headerLength, limits.maxHeaderFields);
    if (type === SerializeType.ROCKETMQ)
      return decodeBinaryHeader(head.subarray(4, 4 + headerLength), limits.maxHeaderFields);
    throw new ProtocolError(`unknown serialize type ${type} (expected 0 JSON or 1 ROCKETMQ)`);
  } catch (err) {
    if (err instanceof HeaderLimitError)
      throw withAnswerOpaque(err, type, head.subarray(4, 4 + headerLength));
    throw err;
  }
}

/** Decodes one whole frame, length prefix included; the declared length must match the buffer. */
export function decodeFrame(frame: Buffer): RemotingCommand {
  if (frame.length < 4) throw new ProtocolError('frame shorter than its length prefix');
  const totalLength = frame.readInt32BE(0);
  if (totalLength !== frame.length - 4) {
    throw new ProtocolError(`frame declares ${totalLength} bytes but ${frame.length - 4} follow the prefix`);
  }
  return decodeFramePayload(frame.subarray(4));
}
