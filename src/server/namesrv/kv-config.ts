/**
 * The name server's KV configuration (Java KVConfigManager): namespace -> key -> value, used mainly
 * for ORDER_TOPIC_CONFIG (topic -> "brokerName:queueCount;..."). Kept in memory; persisted only when
 * a file path is given, in Java's kvConfig.json shape: {"configTable":{"<ns>":{"<key>":"<value>"}}}.
 *
 * Java rewrites the file synchronously on every change and answers after. We keep "answered after it
 * is on disk" (put and delete return a promise the handler awaits) without blocking the event loop:
 * one write in flight at a time (kv-config-file.ts, chunked async I/O); changes made meanwhile are
 * written together by the next one, and their promises settle when that write ends. A delete that
 * removes nothing writes nothing. A failed write is reported to `onPersistError` and settles its
 * waiters anyway (as Java, which logs and answers SUCCESS); the next change writes everything again.
 */
import { readFileSync } from 'node:fs';
import { parseFastjsonObject } from '../../protocol/json/fastjson-parse.js';
import { JavaHashMap } from '../../protocol/java/hash-map.js';
import { DEFAULT_LIMITS, NameServerRequestError, checkKvText } from './limits.js';
import type { NameServerLimits } from './limits.js';
import { removeStaleTempFiles, writeKVFile } from './kv-config-file.js';
import type { KVSnapshot } from './kv-config-file.js';

/** Namespace of the order-topic configuration (NamesrvUtil.NAMESPACE_ORDER_TOPIC_CONFIG). */
export const ORDER_TOPIC_CONFIG = 'ORDER_TOPIC_CONFIG';

export class KVConfigStore {
  private readonly table = new JavaHashMap<JavaHashMap<string>>();
  private entries = 0;
  /** Sum of key and value lengths over all entries (limit maxKvTotalLength). */
  private totalLength = 0;
  private readonly limits: NameServerLimits;
  /** The write in flight, if any. */
  private writing: Promise<void> | undefined;
  /** Waiters for the next write: changes made since the one in flight took its snapshot. */
  private nextWaiters: (() => void)[] = [];
  /** Files written so far (tests count them). */
  writes = 0;

  constructor(
    private readonly path?: string,
    limits: Partial<NameServerLimits> = {},
    private readonly onPersistError: (err: Error) => void = () => {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Characters held (keys + values). */
  get totalChars(): number {
    return this.totalLength;
  }

  /**
   * Loads the file if one is configured and exists; a corrupt file is an error, not silently dropped.
   * The limits bound what requests add, not what is on disk: a file written by Java or by an older
   * version (unbounded) is loaded whole, so the name server still starts. Returns the limits the
   * loaded table is over (empty when none), for the caller to log; puts that would grow the table
   * further in those respects are refused until it is back under.
   */
  load(): string[] {
    if (this.path === undefined) return [];
    removeStaleTempFiles(this.path);
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const root = parseFastjsonObject(text).get('configTable');
    if (!(root instanceof Map)) return [];
    let longestValue = 0;
    for (const [ns, kv] of root) {
      if (!(kv instanceof Map)) continue;
      const entries = this.namespace(ns, { checked: false }); // kept even when empty, as Java's putAll
      for (const [key, value] of kv) {
        if (typeof value !== 'string') continue;
        const old = entries.get(key);
        entries.set(key, value);
        if (old === undefined) this.entries++;
        this.totalLength += key.length + value.length - (old === undefined ? 0 : key.length + old.length);
        longestValue = Math.max(longestValue, value.length);
      }
    }
    return this.limitsExceeded(longestValue);
  }

  private limitsExceeded(longestValue: number): string[] {
    const l = this.limits;
    const over: [boolean, string][] = [
      [
        this.table.size > l.maxKvNamespaces,
        `${this.table.size} namespaces (maxKvNamespaces ${l.maxKvNamespaces})`,
      ],
      [this.entries > l.maxKvEntries, `${this.entries} entries (maxKvEntries ${l.maxKvEntries})`],
      [
        longestValue > l.maxKvValueLength,
        `a value of ${longestValue} characters (maxKvValueLength ${l.maxKvValueLength})`,
      ],
      [
        this.totalLength > l.maxKvTotalLength,
        `${this.totalLength} characters (maxKvTotalLength ${l.maxKvTotalLength})`,
      ],
    ];
    return over.filter(([exceeded]) => exceeded).map(([, what]) => what);
  }

  /** Sets one entry; the promise settles once the change is on disk (at once without a file). */
  put(namespace: string, key: string, value: string): Promise<void> {
    this.apply(namespace, key, value);
    return this.persist();
  }

  /** Checks every limit, then changes the table (nothing changes when a check fails). */
  private apply(namespace: string, key: string, value: string): void {
    checkKvText('namespace', namespace);
    checkKvText('key', key);
    if (value.length > this.limits.maxKvValueLength) {
      throw new NameServerRequestError(`value is longer than ${this.limits.maxKvValueLength} characters`);
    }
    const old = this.table.get(namespace)?.get(key);
    if (old === undefined && this.entries >= this.limits.maxKvEntries) {
      throw new NameServerRequestError(`too many KV entries (limit ${this.limits.maxKvEntries})`);
    }
    const total =
      this.totalLength - (old === undefined ? 0 : key.length + old.length) + key.length + value.length;
    // A loaded table may already be over the limit (see load): a put that does not grow it passes.
    if (total > this.limits.maxKvTotalLength && total > this.totalLength) {
      throw new NameServerRequestError(
        `KV keys and values would exceed ${this.limits.maxKvTotalLength} characters in total`,
      );
    }
    this.namespace(namespace).set(key, value);
    if (old === undefined) this.entries++;
    this.totalLength = total;
  }

  private namespace(namespace: string, { checked = true } = {}): JavaHashMap<string> {
    let kv = this.table.get(namespace);
    if (kv === undefined && checked) {
      checkKvText('namespace', namespace);
      if (this.table.size >= this.limits.maxKvNamespaces) {
        throw new NameServerRequestError(`too many KV namespaces (limit ${this.limits.maxKvNamespaces})`);
      }
    }
    if (kv === undefined) {
      kv = new JavaHashMap<string>();
      this.table.set(namespace, kv);
    }
    return kv;
  }

  get(namespace: string, key: string): string | undefined {
    return this.table.get(namespace)?.get(key);
  }

  /** Removes one key; the namespace stays, possibly empty (as in Java). */
  delete(namespace: string, key: string): Promise<void> {
    const kv = this.table.get(namespace);
    const old = kv?.get(key);
    // Nothing removed, nothing to write (Java rewrites the file anyway).
    if (kv === undefined || old === undefined) return Promise.resolve();
    kv.delete(key);
    this.entries--;
    this.totalLength -= key.length + old.length;
    return this.persist();
  }

  /** The namespace's entries in Java HashMap order, or undefined if the namespace never existed. */
  list(namespace: string): Map<string, string> | undefined {
    const kv = this.table.get(namespace);
    return kv === undefined ? undefined : new Map(kv.javaEntries());
  }

  /** Settles when every change made so far is on disk (or its write failed). */
  flush(): Promise<void> {
    if (this.writing === undefined) return Promise.resolve();
    return this.nextWaiters.length > 0 ? new Promise((done) => this.nextWaiters.push(done)) : this.writing;
  }

  private persist(): Promise<void> {
    if (this.path === undefined) return Promise.resolve();
    const saved = new Promise<void>((done) => this.nextWaiters.push(done));
    if (this.writing === undefined) this.startWrite(this.path);
    return saved;
  }

  /** Writes the table as it is now for the current waiters; chains the next write if more came. */
  private startWrite(path: string): void {
    const waiters = this.nextWaiters;
    this.nextWaiters = [];
    const snapshot: KVSnapshot = this.table.javaEntries().map(([ns, kv]) => [ns, kv.javaEntries()]);
    this.writes++;
    this.writing = writeKVFile(path, snapshot)
      .catch((err: unknown) => this.onPersistError(err as Error))
      .finally(() => {
        this.writing = undefined;
        for (const done of waiters) done();
        if (this.nextWaiters.length > 0) this.startWrite(path);
      });
  }
}
