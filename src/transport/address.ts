/** Parsing and formatting of "host:port" addresses, IPv6 in brackets ("[::1]:9876"). */
import { isIPv6 } from 'node:net';
import { IllegalArgumentError } from '../common/errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Splits "host:port", "[v6]:port" (or a bare "v6:port" whose last colon starts the port). */
export function parseAddress(addr: string): HostPort {
  const text = addr.trim();
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':')
      throw new IllegalArgumentError(`bad address "${addr}": expected [ipv6]:port`);
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0) throw new IllegalArgumentError(`bad address "${addr}": expected host:port`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  // "::1" (no port) would otherwise split into host ":" and port 1; "[]:1" into an empty host.
  if (host === '' || (host.includes(':') && !isIPv6(host)))
    throw new IllegalArgumentError(`bad address "${addr}": "${host}" is not a host name or IP address`);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) {
    throw new IllegalArgumentError(`bad address "${addr}": port must be 0..65535`);
  }
  return { host, port };
}

/** "::ffff:1.2.3.4" (IPv4-mapped IPv6) becomes "1.2.3.4"; other hosts are returned as they are. */
export function normalizeHost(host: string | undefined): string {
  if (!host) return '';
  const lower = host.toLowerCase();
  if (lower.startsWith('::ffff:') && lower.includes('.')) return host.slice(7);
  return host;
}

/** "host:port", with IPv6 hosts in brackets so the result parses back with parseAddress. */
export function formatAddress(host: string | undefined, port: number | undefined): string {
  const h = normalizeHost(host);
  return h.includes(':') ? `[${h}]:${port ?? 0}` : `${h}:${port ?? 0}`;
}
