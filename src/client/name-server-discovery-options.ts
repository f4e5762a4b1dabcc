/**
 * Options of name-server address discovery (Java's "wsAddr": MixAll.getWSAddr, DefaultTopAddressing,
 * MQClientAPIImpl.fetchNameServerAddr): the list comes from an HTTP endpoint answering
 * `host:port;host:port`, or from a user function, polled every 2 minutes after a first poll at 10 s,
 * as Java's client instance schedules it.
 */
import { rejectUnknownOptions, type OptionKeys } from '../common/option-keys.js';
import { IllegalArgumentError } from '../common/errors.js';

/** Returns the name-server addresses: `"host:port;host:port"` or a list. */
export type NameServerAddressSource = () => Promise<string | readonly string[]> | string | readonly string[];

/** Fetching the name-server list from an HTTP endpoint or a function, refreshed periodically (Java's name-server address server, `rocketmq.namesrv.domain`). */
export interface NameServerDiscoveryOptions {
  /** HTTP or HTTPS endpoint whose body is the list. Default: Java's URL built from `domain` and `subgroup`. */
  url?: string;
  /** Java's `rocketmq.namesrv.domain` (default `jmenv.tbsite.net`; port 8080 unless it names one). */
  domain?: string;
  /** Java's `rocketmq.namesrv.domain.subgroup` (default `nsaddr`). */
  subgroup?: string;
  /** A function giving the list, instead of an HTTP endpoint. */
  fetch?: NameServerAddressSource;
  /** First scheduled poll after start, ms. Default 10000 (Java). */
  initialDelayMillis?: number;
  /** Poll period, ms. Default 120000 (Java). */
  intervalMillis?: number;
  /** Deadline of one HTTP poll or function call, ms. Default 3000 (Java). */
  timeoutMillis?: number;
}

/** Defaults of NameServerDiscoveryOptions (times in ms), as in Java. */
export const NAME_SERVER_DISCOVERY_DEFAULTS = {
  domain: 'jmenv.tbsite.net',
  subgroup: 'nsaddr',
  initialDelayMillis: 10_000,
  intervalMillis: 120_000,
  timeoutMillis: 3_000,
} as const;

export interface NameServerDiscoveryConfig {
  /** The endpoint polled, or undefined with a user function. */
  readonly url: string | undefined;
  readonly fetch: NameServerAddressSource | undefined;
  readonly initialDelayMillis: number;
  readonly intervalMillis: number;
  readonly timeoutMillis: number;
}

/** MixAll.getWSAddr: `http://DOMAIN:8080/rocketmq/SUBGROUP`, without `:8080` when the domain has a port. */
export function defaultNameServerDiscoveryUrl(
  domain: string = NAME_SERVER_DISCOVERY_DEFAULTS.domain,
  subgroup: string = NAME_SERVER_DISCOVERY_DEFAULTS.subgroup,
): string {
  return domain.indexOf(':') > 0
    ? `http://${domain}/rocketmq/${subgroup}`
    : `http://${domain}:8080/rocketmq/${subgroup}`;
}

function checkMillis(name: string, value: unknown, allowZero: boolean): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new IllegalArgumentError(
      `option nameServerDiscovery.${name} must be ${allowZero ? 'a non-negative' : 'a positive'} integer (ms), got ${String(value)}`,
    );
  }
}

/** Every key of NameServerDiscoveryOptions: add a line here with each new option. */
const NAME_SERVER_DISCOVERY_KEYS: OptionKeys<NameServerDiscoveryOptions> = {
  url: true,
  domain: true,
  subgroup: true,
  fetch: true,
  initialDelayMillis: true,
  intervalMillis: true,
  timeoutMillis: true,
};

function checkName(name: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '' || /[\s/?#]/.test(value)) {
    throw new IllegalArgumentError(
      `option nameServerDiscovery.${name} must be a host name without spaces, '/', '?' or '#', got ${JSON.stringify(value)}`,
    );
  }
}

/**
 * Validates the options. With a derived URL (no `url`, no `fetch`) a non-blank unit name is appended
 * as Java's DefaultTopAddressing does (`-UNIT?nofix=1`).
 */
export function resolveNameServerDiscovery(
  options: NameServerDiscoveryOptions | undefined,
  unitName: string | undefined,
): NameServerDiscoveryConfig | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') {
    throw new IllegalArgumentError('option nameServerDiscovery must be an object ({ url } or { fetch })');
  }
  rejectUnknownOptions(options, NAME_SERVER_DISCOVERY_KEYS, 'option nameServerDiscovery');
  const o = { ...NAME_SERVER_DISCOVERY_DEFAULTS, ...options };
  checkMillis('initialDelayMillis', o.initialDelayMillis, true);
  checkMillis('intervalMillis', o.intervalMillis, false);
  checkMillis('timeoutMillis', o.timeoutMillis, false);
  const derived = options.domain !== undefined || options.subgroup !== undefined;
  if ([options.url !== undefined, options.fetch !== undefined, derived].filter(Boolean).length > 1) {
    throw new IllegalArgumentError(
      'option nameServerDiscovery takes one source: url, fetch, or domain/subgroup (Java wsAddr)',
    );
  }
  const timing = {
    initialDelayMillis: o.initialDelayMillis,
    intervalMillis: o.intervalMillis,
    timeoutMillis: o.timeoutMillis,
  };
  if (options.fetch !== undefined) {
    if (typeof options.fetch !== 'function') {
      throw new IllegalArgumentError(
        'option nameServerDiscovery.fetch must be a function returning the addresses',
      );
    }
    return Object.freeze({ url: undefined, fetch: options.fetch, ...timing });
  }
  if (options.url !== undefined)
    return Object.freeze({ url: checkUrl(options.url), fetch: undefined, ...timing });
  checkName('domain', o.domain);
  checkName('subgroup', o.subgroup);
  let url = defaultNameServerDiscoveryUrl(o.domain, o.subgroup);
  if (unitName !== undefined && unitName.trim() !== '') url += `-${unitName}?nofix=1`;
  return Object.freeze({ url: checkUrl(url), fetch: undefined, ...timing });
}

function checkUrl(url: unknown): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new IllegalArgumentError(
      `option nameServerDiscovery.url must be an http:// or https:// URL, got ${JSON.stringify(url)}`,
    );
  }
  return url as string;
}
