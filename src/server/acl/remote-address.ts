/**
 * IP allowlist patterns of plain_acl.yml (Java RemoteAddressStrategyFactory, 4.9.8), same matching:
 *
 *   blank / missing                 matches nothing
 *   *  *.*.*.*  *:*:*:*:*:*:*:*      matches every address
 *   192.168.0.{1,2,3}  2001:db8::{1,2}   a prefix and a set of last parts
 *   1.2.3.4,1.2.3.5  (commas)       any of the addresses
 *   192.168.0.*  192.168.1-10.*  2001:db8::1-ff   the first `*` or range after the fixed part
 *   1.2.3.4  ::1                    one address (IPv6 compared in expanded form)
 *
 * A malformed pattern throws AclConfigError with Java's AclException text.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { AclConfigError } from './acl-errors.js';

export interface AddressPattern {
  /** `ip` without port or brackets. */
  matches(ip: string): boolean;
}

const MATCH_NONE: AddressPattern = { matches: () => false };
const MATCH_ALL: AddressPattern = { matches: () => true };

/** Apache StringUtils.split: no empty tokens. */
function split(text: string, sep: string): string[] {
  return text.split(sep).filter((s) => s !== '');
}

/** Java AclUtils.expandIP: upper case, "::" opened up to `part` groups, each group padded to 4. */
export function expandIP(address: string, part: number): string {
  let a = address.toUpperCase();
  const colons = a.split(':').length - 1;
  const pad = part - colons;
  if (pad > 0) a = a.split('::').join(':'.repeat(pad + 1));
  return a
    .split(':')
    .map((g) => (g.length < 4 ? g.padStart(4, '0') : g))
    .join(':');
}

function javaInt(text: string, radix: number, pattern: string): number {
  const t = text.trim();
  const ok = radix === 16 ? /^[+-]?[0-9a-fA-F]+$/.test(t) : /^[+-]?\d+$/.test(t);
  if (!ok) throw new AclConfigError(`Netaddress examine Exception netaddress is ${pattern}`);
  return parseInt(t, radix);
}

class SetPattern implements AddressPattern {
  private readonly set = new Set<string>();
  constructor(addresses: string[]) {
    for (const a of addresses) {
      if (isIPv4(a)) this.set.add(a);
      else if (isIPv6(a)) this.set.add(expandIP(a, 8));
      else throw new AclConfigError(`Netaddress examine Exception netaddress is ${a}`);
    }
  }
  matches(ip: string): boolean {
    return this.set.has(isIPv6(ip) ? expandIP(ip, 8) : ip);
  }
}

class OnePattern implements AddressPattern {
  private readonly expanded: string;
  constructor(address: string) {
    if (!isIPv4(address) && !isIPv6(address))
      throw new AclConfigError(`Netaddress examine Exception netaddress is ${address}`);
    this.expanded = expandIP(address, 8);
  }
  matches(ip: string): boolean {
    return this.expanded === expandIP(ip, 8);
  }
}

/** `*` or `a-b` in one part after a fixed head (Java RangeRemoteAddressStrategy). */
class RangePattern implements AddressPattern {
  private head: string | undefined;
  private start = 0;
  private end = 0;
  private index = 0;

  constructor(pattern: string) {
    if (pattern.includes(':')) this.initV6(pattern);
    else this.initV4(pattern);
  }

  private analyse(parts: string[], index: number, radix: 10 | 16, pattern: string): boolean {
    const value = (parts[index] ?? '').trim();
    this.index = index;
    const max = radix === 10 ? 255 : 0xffff;
    if (value === '*') {
      this.start = 0;
      this.end = max;
    } else if (value.includes('-')) {
      if (value.startsWith('-'))
        throw new AclConfigError(
          `RangeRemoteAddressStrategy netaddress examine scope Exception value ${value} `,
        );
      const [from = '', to = ''] = split(value, '-');
      this.start = javaInt(from, radix, pattern);
      this.end = javaInt(to, radix, pattern);
      if (!(this.start >= 0 && this.end <= max && this.start <= this.end))
        throw new AclConfigError(
          `RangeRemoteAddressStrategy netaddress examine scope Exception start is ${this.start} , end is ${this.end}`,
        );
    }
    return this.end > 0;
  }

  private initV4(pattern: string): void {
    const parts = split(pattern, '.');
    if (parts.length !== 4)
      throw new AclConfigError(`Netaddress examine scope Exception netaddress is ${pattern}`);
    if (
      this.analyse(parts, 1, 10, pattern) ||
      this.analyse(parts, 2, 10, pattern) ||
      this.analyse(parts, 3, 10, pattern)
    ) {
      for (const p of parts.slice(0, this.index)) {
        const n = javaInt(p, 10, pattern);
        if (n < 0 || n > 255)
          throw new AclConfigError(`Netaddress examine scope Exception netaddress is ${pattern}`);
      }
      this.head = parts
        .slice(0, this.index)
        .map((p) => `${p.trim()}.`)
        .join('');
    }
  }

  private initV6(pattern: string): void {
    const star = pattern.indexOf('*');
    const minus = pattern.indexOf('-');
    const bad = (): AclConfigError =>
      new AclConfigError(`Netaddress examine scope Exception netaddress is ${pattern}`);
    if (star > -1 && star !== pattern.length - 1) throw bad();
    if (minus > -1) {
      const last = pattern.lastIndexOf(':');
      if (star === -1 ? minus <= last : minus <= pattern.lastIndexOf(':', last - 1)) throw bad();
    }
    const parts = split(pattern, ':');
    for (let i = 1; i < parts.length; i++) {
      if (!this.analyse(parts, i, 16, pattern)) continue;
      // Java AclUtils.verify(pattern, index - 1): the groups before the range are hex numbers.
      for (const g of split(expandIP(pattern, 8), ':').slice(0, this.index - 1)) {
        if (!/^[0-9A-F]+$/.test(g) || parseInt(g, 16) > 0xffff) throw bad();
      }
      const head = v6Head(pattern);
      this.index = split(head, ':').length;
      this.head = head;
      break;
    }
  }

  matches(ip: string): boolean {
    if (this.head === undefined) return false;
    if (isIPv4(ip)) {
      if (!ip.startsWith(this.head)) return false;
      let value: string;
      if (this.index === 3) value = ip.slice(this.head.length);
      else if (this.index === 2) value = ip.slice(this.head.length, ip.lastIndexOf('.'));
      else value = ip.slice(this.head.length, ip.lastIndexOf('.', ip.lastIndexOf('.') - 1));
      const n = Number(value);
      return /^\d+$/.test(value) && n >= this.start && n <= this.end;
    }
    if (isIPv6(ip)) {
      const expanded = expandIP(ip, 8);
      if (!expanded.startsWith(this.head)) return false;
      const n = parseInt(expanded.slice(5 * this.index, 5 * this.index + 4), 16);
      return n >= this.start && n <= this.end;
    }
    return false;
  }
}

/** Java AclUtils.v6ipProcess: the expanded fixed part in front of the range. */
function v6Head(pattern: string): string {
  const star = pattern.includes('*');
  const minus = pattern.includes('-');
  if (star && minus) {
    const last = pattern.lastIndexOf(':');
    return expandIP(pattern.slice(0, pattern.slice(0, last).lastIndexOf(':')), 6);
  }
  if (!star && !minus) return expandIP(pattern, 8);
  return expandIP(pattern.slice(0, pattern.lastIndexOf(':')), 7);
}

/** One plain_acl.yml address pattern (`whiteRemoteAddress` or a `globalWhiteRemoteAddresses` entry). */
export function addressPattern(pattern: string | null | undefined): AddressPattern {
  if (pattern === null || pattern === undefined || pattern.trim() === '') return MATCH_NONE;
  if (pattern === '*' || pattern === '*.*.*.*' || pattern === '*:*:*:*:*:*:*:*') return MATCH_ALL;
  if (pattern.endsWith('}')) {
    const v6 = pattern.includes(':');
    const parts = split(pattern, v6 ? ':' : '.');
    const last = parts[parts.length - 1] ?? '';
    if (!v6 && parts.length < 4)
      throw new AclConfigError(`MultipleRemoteAddressStrategy has got a/some wrong format IP(s) ${pattern}`);
    if (!last.startsWith('{'))
      throw new AclConfigError(
        `MultipleRemoteAddressStrategy netaddress examine scope Exception netaddress ${pattern}`,
      );
    const prefix = pattern.slice(0, pattern.indexOf('{'));
    return new SetPattern(split(last.slice(1, -1), ',').map((p) => prefix + p));
  }
  if (pattern.includes(',')) return new SetPattern(split(pattern, ','));
  if (pattern.includes('*') || pattern.includes('-')) return new RangePattern(pattern);
  return new OnePattern(pattern);
}

/** The address part of "ip:port" / "[v6]:port", as Java's validator takes it (before the last colon). */
export function hostOfRemote(remoteAddress: string): string {
  if (remoteAddress.startsWith('[')) {
    const close = remoteAddress.indexOf(']');
    if (close > 0) return remoteAddress.slice(1, close);
  }
  const colon = remoteAddress.lastIndexOf(':');
  return colon >= 0 ? remoteAddress.slice(0, colon) : remoteAddress;
}
