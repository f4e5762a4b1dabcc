/**
 * The name server's KV configuration (Java KVConfigManager): namespace -> key -> value, used mainly
 * for ORDER_TOPIC_CONFIG (topic -> "brokerName:queueCount;..."). Kept in memory; persisted only when
 * a file path is given, in Java's kvConfig.json shape: {"configTable":{"<ns>":{"<key>":"<value>"}}}.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseFastjsonObject } from '../../protocol/json/fastjson-parse.js';
import { toFastjsonString } from '../../protocol/json/fastjson-write.js';
import type { JsonOut } from '../../protocol/json/fastjson-write.js';
import { JavaHashMap } from '../../protocol/java/hash-map.js';
import { DEFAULT_LIMITS, NameServerRequestError, checkKvText } from './limits.js';
import type { NameServerLimits } from './limits.js';
import { makeDirsSync } from '../../common/make-dirs.js';

/** Namespace of the order-topic configuration (NamesrvUtil.NAMESPACE_ORDER_TOPIC_CONFIG). */
export const ORDER_TOPIC_CONFIG = 'ORDER_TOPIC_CONFIG';

export class KVConfigStore {
  private readonly table = new JavaHashMap<JavaHashMap<string>>();
  private entries = 0;
  private readonly limits: NameServerLimits;

  constructor(
    private readonly path?: string,
    limits: Partial<NameServerLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Loads the file if one is configured and exists; a corrupt file is an error, not silently dropped. */
  load(): void {
    if (this.path === undefined) return;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const root = parseFastjsonObject(text).get('configTable');
    if (!(root instanceof Map)) return;
    for (const [ns, kv] of root) {
      if (!(kv instanceof Map)) continue;
      this.namespace(ns); // kept even when empty, as Java's putAll keeps it
      for (const [key, value] of kv) if (typeof value === 'string') this.put(ns, key, value, false);
    }
  }

  put(namespace: string, key: string, value: string, persist = true): void {
    checkKvText('namespace', namespace);
    checkKvText('key', key);
    if (value.length > this.limits.maxKvValueLength) {
      throw new NameServerRequestError(`value is longer than ${this.limits.maxKvValueLength} characters`);
    }
    const isNew = this.table.get(namespace)?.has(key) !== true;
    if (isNew && this.entries >= this.limits.maxKvEntries) {
      throw new NameServerRequestError(`too many KV entries (limit ${this.limits.maxKvEntries})`);
    }
    this.namespace(namespace).set(key, value);
    if (isNew) this.entries++;
    if (persist) this.persist();
  }

  private namespace(namespace: string): JavaHashMap<string> {
    let kv = this.table.get(namespace);
    if (kv === undefined) {
      checkKvText('namespace', namespace);
      if (this.table.size >= this.limits.maxKvNamespaces) {
        throw new NameServerRequestError(`too many KV namespaces (limit ${this.limits.maxKvNamespaces})`);
      }
      kv = new JavaHashMap<string>();
      this.table.set(namespace, kv);
    }
    return kv;
  }

  get(namespace: string, key: string): string | undefined {
    return this.table.get(namespace)?.get(key);
  }

  /** Removes one key; the namespace stays, possibly empty (as in Java). */
  delete(namespace: string, key: string): void {
    const kv = this.table.get(namespace);
    if (kv?.delete(key)) this.entries--;
    this.persist();
  }

  /** The namespace's entries in Java HashMap order, or undefined if the namespace never existed. */
  list(namespace: string): Map<string, string> | undefined {
    const kv = this.table.get(namespace);
    return kv === undefined ? undefined : new Map(kv.javaEntries());
  }

  private persist(): void {
    if (this.path === undefined) return;
    const configTable = new Map<string, JsonOut>();
    for (const [ns, kv] of this.table.javaEntries()) configTable.set(ns, new Map(kv.javaEntries()));
    makeDirsSync(dirname(this.path));
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, toFastjsonString({ configTable }, 'plain'));
    renameSync(tmp, this.path);
  }
}
