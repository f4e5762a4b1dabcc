/**
 * IP address text <-> bytes, without touching the network. IPv4-mapped IPv6 addresses
 * (`::ffff:a.b.c.d`, what Node reports for IPv4 peers on dual-stack sockets) are normalized to IPv4,
 * matching what the JDK reports and therefore the bytes a Java broker writes.
 */
import { IllegalArgumentError } from '../../common/errors.js';

export interface SocketAddress {
  /** Dotted IPv4 or IPv6 text (RFC 5952 compressed form when produced by this module). */
  ip: string;
  port: number;
}

function parseIPv4(text: string): Buffer | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIPv6(text: string): Buffer | undefined {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  let tail: Buffer | undefined;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > 0) {
    tail = parseIPv4(s.slice(lastColon + 1));
    if (!tail) return undefined;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] | undefined => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(Math.max(0, missing)).fill('0'), ...rest];
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    out.writeUInt16BE(parseInt(g, 16), i * 2);
  }
  if (tail) tail.copy(out, 12);
  return out;
}

function isMappedV4(b: Uint8Array): boolean {
  if (b.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/**
 * Parsed address texts, read-only (the send path parses the same producer and broker addresses for
 * every record, message id and sysFlag: three to five parses per message without it). Bounded: a
 * broker sees few distinct peers; when full it starts over.
 */
const PARSED = new Map<string, Buffer>();
const PARSED_MAX = 1024;

/**
 * Like ipToBytes, but the Buffer returned may be shared with later calls and must not be modified
 * (hot paths that only copy or measure it).
 */
export function ipBytesShared(ip: string | Uint8Array): Buffer {
  if (typeof ip !== 'string') return ipToBytes(ip);
  let b = PARSED.get(ip);
  if (b === undefined) {
    b = ipToBytes(ip);
    if (PARSED.size >= PARSED_MAX) PARSED.clear();
    PARSED.set(ip, b);
  }
  return b;
}

/**
 * Address bytes of `ip`: 4 bytes for IPv4 (and IPv4-mapped IPv6), 16 for IPv6. Accepts text or raw
 * bytes (4 or 16). Throws IllegalArgumentError on anything else.
 */
export function ipToBytes(ip: string | Uint8Array): Buffer {
  let b: Buffer | undefined;
  if (typeof ip === 'string') {
    b = ip.includes(':') ? parseIPv6(ip) : parseIPv4(ip);
    if (!b) throw new IllegalArgumentError(`invalid IP address "${ip}": expected dotted IPv4 or IPv6 text`);
  } else {
    if (ip.length !== 4 && ip.length !== 16) {
      throw new IllegalArgumentError(
        `invalid IP address: ${ip.length} bytes, expected 4 (IPv4) or 16 (IPv6)`,
      );
    }
    b = Buffer.from(ip);
  }
  return isMappedV4(b) ? b.subarray(12, 16) : b;
}

/** Text form of 4 or 16 address bytes; IPv6 in RFC 5952 form, IPv4-mapped IPv6 as dotted IPv4. */
export function bytesToIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) {
    throw new IllegalArgumentError(`invalid IP address: ${b.length} bytes, expected 4 (IPv4) or 16 (IPv6)`);
  }
  if (isMappedV4(b)) return bytesToIp(b.subarray(12, 16));
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // Longest run (length >= 2) of zero groups, first one on ties, becomes "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text form of an address (normalizes IPv4-mapped IPv6 and IPv6 spelling). */
export function normalizeIp(ip: string): string {
  return bytesToIp(ipToBytes(ip));
}

/** True when `ip` needs the 16-byte (IPv6) encoding after normalization. */
export function isIPv6(ip: string | Uint8Array): boolean {
  return ipToBytes(ip).length === 16;
}

/** `ip:port` as RocketMQ writes addresses (IPv6 without brackets; readers split at the last ':'). */
export function formatAddress(ip: string, port: number): string {
  return `${ip}:${port}`;
}
