/**
 * Message ids.
 *
 * Client unique id (property UNIQ_KEY, Java MessageClientIDSetter), uppercase hex of:
 *   ip (4 | 16) | pid low 16 bits (2) | class-loader hash (4) | ms since local month start (4) | counter (2)
 * = 32 hex chars for IPv4, 56 for IPv6.
 *
 * Offset message id (broker msgId, MessageDecoder.createMessageId), uppercase hex of:
 *   store ip (4 | 16) | store port int32 (4) | commit-log offset int64 (8)
 * = 32 hex chars for IPv4, 56 for IPv6.
 */
import { networkInterfaces } from 'node:os';
import { IllegalArgumentError } from '../../common/errors.js';
import { bytesToIp, formatAddress, ipBytesShared, ipToBytes } from './address.js';

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function hexToBytes(id: string, what: string, lengths: readonly number[]): Buffer {
  if (typeof id !== 'string' || !HEX.test(id) || !lengths.includes(id.length)) {
    throw new IllegalArgumentError(
      `malformed ${what} "${String(id)}": expected ${lengths.join(' or ')} hex characters`,
    );
  }
  return Buffer.from(id, 'hex');
}

/** ASCII codes of the upper-case hex digits. */
const HEX_DIGIT = Buffer.from('0123456789ABCDEF', 'latin1');
/** Local-time start of the month containing `t`, and of the following month. */
function monthBounds(t: number): { start: number; next: number } {
  const d = new Date(t);
  return {
    start: new Date(d.getFullYear(), d.getMonth(), 1).getTime(),
    next: new Date(d.getFullYear(), d.getMonth() + 1, 1).getTime(),
  };
}

function isPrivateV4(b: Uint8Array): boolean {
  return (
    b[0] === 10 ||
    b[0] === 127 ||
    (b[0] === 172 && b[1]! >= 16 && b[1]! <= 31) ||
    (b[0] === 192 && b[1] === 168)
  );
}

function isInternalV6(b: Uint8Array): boolean {
  const allZero = b.every((x) => x === 0);
  const loopback = b.subarray(0, 15).every((x) => x === 0) && b[15] === 1;
  const linkLocal = b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
  const siteLocal = b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0;
  return allZero || loopback || linkLocal || siteLocal;
}

export interface InterfaceAddress {
  address: string;
  family: string | number;
}

/**
 * The address Java's UtilAll.getIP would pick from these interfaces: the first public IPv4 or first
 * non-local IPv6 (fd00::/8 counts as public), else the first private IPv4 (a 127.x candidate is
 * replaced by a later private one). Undefined when nothing fits.
 */
export function selectClientIp(interfaces: Iterable<InterfaceAddress>): Buffer | undefined {
  let internal: Buffer | undefined;
  for (const a of interfaces) {
    const v6 = a.family === 'IPv6' || a.family === 6;
    let b: Buffer;
    try {
      b = ipToBytes(a.address);
    } catch {
      continue;
    }
    if (!v6 && b.length === 4) {
      if (!isPrivateV4(b)) return b;
      if (internal === undefined || internal[0] === 127) internal = b;
    } else if (v6 && b.length === 16 && !isInternalV6(b)) {
      return b;
    }
  }
  return internal;
}

function defaultClientIp(now: number): Buffer {
  try {
    const all = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
    const ip = selectClientIp(all);
    if (ip) return ip;
  } catch {
    // fall through to the fake address, as Java does when the lookup fails
  }
  // Bytes 4..7 of the big-endian epoch-ms long.
  const fake = Buffer.alloc(8);
  fake.writeBigInt64BE(BigInt(now));
  return fake.subarray(4, 8);
}

export interface UniqueIdGeneratorOptions {
  /** Client address, 4 or 16 bytes. Default: chosen from the network interfaces like Java. */
  ip?: Buffer;
  /** Process id (low 16 bits are used). Default process.pid. */
  pid?: number;
  /** Any per-generator int32 constant (Java: the class loader's hash). Default: random. */
  classLoaderHash?: number;
  /** Clock in epoch ms. Default Date.now. */
  now?: () => number;
}

/**
 * Generates UNIQ_KEY values. Java keeps one process-wide generator; share one instance per client
 * (the random class-loader hash keeps separate instances from colliding).
 */
export class UniqueIdGenerator {
  /** The id's ASCII text: the fixed prefix, then room for the 12 digits each id writes. */
  private readonly text: Buffer;
  private readonly now: () => number;
  private counter = 0;
  private monthStart: number;
  private nextMonthStart: number;

  constructor(options: UniqueIdGeneratorOptions = {}) {
    this.now = options.now ?? Date.now;
    const t = this.now();
    const ip = options.ip ?? defaultClientIp(t);
    if (ip.length !== 4 && ip.length !== 16) {
      throw new IllegalArgumentError(`UniqueIdGenerator: ip must be 4 or 16 bytes, got ${ip.length}`);
    }
    const fixed = Buffer.alloc(ip.length + 6);
    Buffer.from(ip).copy(fixed, 0);
    fixed.writeUInt16BE((options.pid ?? process.pid) & 0xffff, ip.length);
    fixed.writeInt32BE((options.classLoaderHash ?? (Math.random() * 0x100000000) | 0) | 0, ip.length + 2);
    const prefix = fixed.toString('hex').toUpperCase();
    this.text = Buffer.alloc(prefix.length + 12);
    this.text.write(prefix, 0, 'latin1');
    ({ start: this.monthStart, next: this.nextMonthStart } = monthBounds(t));
  }

  /** Next id: the fixed prefix, ms since the local month start (low 32 bits), a 16-bit counter. */
  next(): string {
    const t = this.now();
    if (t >= this.nextMonthStart) ({ start: this.monthStart, next: this.nextMonthStart } = monthBounds(t));
    let diff = (t - this.monthStart) | 0;
    if (diff < 0 && diff > -1_000_000) diff = 0; // clock stepped back a little (NTP)
    const counter = this.counter & 0xffff;
    this.counter = (this.counter + 1) | 0;
    // The prefix stays in `text`; the 12 hex digits of the tail (int32 diff, uint16 counter) are
    // written after it and the whole id read out as one flat string: one allocation per id (every
    // auto-batched send takes one), where joining hex pairs made six strings.
    const text = this.text;
    let at = text.length - 12;
    for (let shift = 28; shift >= 0; shift -= 4) text[at++] = HEX_DIGIT[(diff >>> shift) & 15]!;
    for (let shift = 12; shift >= 0; shift -= 4) text[at++] = HEX_DIGIT[(counter >>> shift) & 15]!;
    return text.toString('latin1');
  }
}

export interface DecodedUniqueId {
  /** Client IP text. */
  ip: string;
  pid: number;
  classLoaderHash: number;
  /** Ms since the producer's local month start (uint32). */
  monthOffset: number;
  /**
   * Approximate creation time (Java getNearlyTimeFromID): offset added to the start of the current
   * local month, or of the previous month when that lands at/after `now`. Assumes the producer's
   * time zone equals ours.
   */
  timestamp: number;
  counter: number;
}

/** Split a UNIQ_KEY (32 or 56 hex characters) into its fields. */
export function decodeUniqueId(id: string, now: number = Date.now()): DecodedUniqueId {
  const b = hexToBytes(id, 'unique message id', [32, 56]);
  const ipLen = b.length === 28 ? 16 : 4;
  const monthOffset = b.readUInt32BE(ipLen + 6);
  const d = new Date(now);
  let start = new Date(d.getFullYear(), d.getMonth(), 1).getTime();
  if (start + monthOffset >= now) start = new Date(d.getFullYear(), d.getMonth() - 1, 1).getTime();
  return {
    ip: bytesToIp(b.subarray(0, ipLen)),
    pid: b.readUInt16BE(b.length - 12),
    classLoaderHash: b.readInt32BE(ipLen + 2),
    monthOffset,
    timestamp: start + monthOffset,
    counter: b.readUInt16BE(b.length - 2),
  };
}

/** Offset message id of the record at `commitLogOffset` stored by the broker at `storeHost`. */
export function encodeOffsetMessageId(
  storeHost: { ip: Buffer | Uint8Array | string; port: number },
  commitLogOffset: bigint,
): string {
  const ip = ipBytesShared(storeHost.ip);
  const b = Buffer.alloc(ip.length + 12);
  ip.copy(b, 0);
  b.writeInt32BE(storeHost.port | 0, ip.length);
  b.writeBigInt64BE(BigInt.asIntN(64, commitLogOffset), ip.length + 4);
  return b.toString('hex').toUpperCase();
}

/**
 * encodeOffsetMessageId of each offset, for the records of one batch stored at `storeHost`: the host
 * part is encoded once and each offset appended as 16 hex digits (a buffer and a hex string per
 * record cost the broker more than the rest of the batch answer).
 */
export function encodeOffsetMessageIds(
  storeHost: { ip: Buffer | Uint8Array | string; port: number },
  commitLogOffsets: readonly bigint[],
): string[] {
  const prefix = encodeOffsetMessageId(storeHost, 0n).slice(0, -16);
  return commitLogOffsets.map((offset) =>
    offset >= 0n && offset <= 0x7fff_ffff_ffff_ffffn
      ? prefix + offset.toString(16).toUpperCase().padStart(16, '0')
      : encodeOffsetMessageId(storeHost, offset),
  );
}

/** The 8 uppercase hex digits of an unsigned 32-bit value, as ASCII at `at`. */
function writeHex32(out: Buffer, at: number, value: number): void {
  let v = value;
  for (let k = 7; k >= 0; k--) {
    out[at + k] = HEX_DIGIT[v & 15]!;
    v >>>= 4;
  }
}

/** The store host part of an offset id (hex ASCII of ip and port), for the host last asked about. */
let lastPrefixIp: string | Uint8Array | undefined;
let lastPrefixIpBytes: Buffer | undefined;
let lastPrefixPort = -1;
let lastPrefix: Buffer | undefined;

/**
 * The ASCII hex of `storeHost`'s ip and port. A broker asks for its own host on every send: it is
 * built once and kept (a buffer, a BigInt and three strings per call were 5 % of a single send's CPU).
 * An ip given as bytes is compared byte by byte, so a buffer changed in place is not mistaken.
 */
function offsetIdPrefix(storeHost: { ip: Buffer | Uint8Array | string; port: number }): Buffer {
  const { ip, port } = storeHost;
  if (
    lastPrefix !== undefined &&
    port === lastPrefixPort &&
    (typeof ip === 'string'
      ? ip === lastPrefixIp
      : lastPrefixIpBytes !== undefined && lastPrefixIpBytes.equals(ip))
  ) {
    return lastPrefix;
  }
  const prefix = Buffer.from(encodeOffsetMessageId(storeHost, 0n).slice(0, -16), 'latin1');
  lastPrefixIp = typeof ip === 'string' ? ip : undefined;
  lastPrefixIpBytes = typeof ip === 'string' ? undefined : Buffer.from(ip);
  lastPrefixPort = port;
  lastPrefix = prefix;
  return prefix;
}

/**
 * encodeOffsetMessageIds(storeHost, offsets).join(',') for offsets held as numbers (a batch answer's
 * msgId): the ids are written as ASCII into one buffer and read back as one flat string, without a
 * BigInt, a hex string and a concatenation per record.
 */
export function joinOffsetMessageIds(
  storeHost: { ip: Buffer | Uint8Array | string; port: number },
  commitLogOffsets: ArrayLike<number>,
): string {
  if (commitLogOffsets.length === 0) return '';
  for (let i = 0; i < commitLogOffsets.length; i++) {
    const o = commitLogOffsets[i]!;
    if (!Number.isSafeInteger(o) || o < 0) {
      return encodeOffsetMessageIds(
        storeHost,
        Array.from(commitLogOffsets, (n) => BigInt(n)),
      ).join(',');
    }
  }
  const prefix = offsetIdPrefix(storeHost);
  const bytes = commitLogOffsets.length * (prefix.length + 17) - 1;
  // The ids are read out as one string: a batch's fit the reused scratch buffer (no buffer per answer).
  const out = bytes <= ID_SCRATCH.length ? ID_SCRATCH : Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = 0; i < commitLogOffsets.length; i++) {
    const offset = commitLogOffsets[i]!;
    if (i > 0) out[at++] = 0x2c; // ','
    for (let k = 0; k < prefix.length; k++) out[at + k] = prefix[k]!;
    at += prefix.length;
    writeHex32(out, at, Math.floor(offset / 0x1_0000_0000));
    writeHex32(out, at + 8, offset >>> 0);
    at += 16;
  }
  return out.toString('latin1', 0, bytes);
}
const ID_SCRATCH = Buffer.allocUnsafeSlow(64 * 1024);

export interface DecodedOffsetMessageId {
  /** `ip:port` of the broker that stored the message (IPv6 without brackets). */
  address: string;
  ip: string;
  port: number;
  commitLogOffset: bigint;
}

/** Parse an offset message id: 32 hex characters = IPv4, 56 = IPv6. */
export function decodeOffsetMessageId(id: string): DecodedOffsetMessageId {
  const b = hexToBytes(id, 'offset message id', [32, 56]);
  const ipLen = id.length === 32 ? 4 : 16;
  const ip = bytesToIp(b.subarray(0, ipLen));
  const port = b.readInt32BE(ipLen);
  return { address: formatAddress(ip, port), ip, port, commitLogOffset: b.readBigInt64BE(ipLen + 4) };
}
