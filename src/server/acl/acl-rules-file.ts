/**
 * The access rules of a plain_acl.yml file, or of every .yml / .yaml file under a directory (the
 * conf/acl folder of Java 4.9.8 and 5.x, read recursively in name order), kept current while the
 * server runs.
 *
 * Loading at construction is synchronous, so a server built with a missing or malformed file fails
 * at once with the reason. Reloading is a bounded poll (every `reloadIntervalMillis`, default 1000,
 * unref'd timer): the files are read and hashed; new content is parsed into new rules which replace
 * the old ones in one assignment, once two polls in a row have read the same content: a poll can land
 * in the middle of a write (a truncated, empty file is valid YAML with no accounts, which would lock
 * every client out until the next change). A file that is missing, unreadable or malformed while running keeps
 * the previous rules and logs an error once per distinct content (fs.watch misses renames done by
 * editors and does not work on every file system; a poll of one small file costs nothing).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../common/logger.js';
import { buildAclRules } from './acl-config.js';
import type { AclRules, AclSource } from './acl-config.js';
import { AclConfigError } from './acl-errors.js';

export const DEFAULT_ACL_RELOAD_INTERVAL_MILLIS = 1000;

const isAclFile = (name: string): boolean => name.endsWith('.yml') || name.endsWith('.yaml');

function listSync(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSync(full));
    else if (isAclFile(entry.name)) out.push(full);
  }
  return out;
}

async function listAsync(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listAsync(full)));
    else if (isAclFile(entry.name)) out.push(full);
  }
  return out;
}

function digest(sources: readonly AclSource[]): string {
  const hash = createHash('sha256');
  for (const s of sources) hash.update(`${s.file}\0${s.content}\0`);
  return hash.digest('hex');
}

export interface AclRulesFileOptions {
  reloadIntervalMillis?: number;
  logger: Logger;
}

export class AclRulesFile {
  private current: AclRules;
  private loadedDigest: string;
  private lastFailedDigest: string | undefined;
  /** New content read by the last poll, applied if the next poll reads it again. */
  private pendingDigest: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private readonly intervalMillis: number;
  private readonly logger: Logger;
  /** Completed reload attempts that changed the rules (for tests and metrics). */
  reloads = 0;

  constructor(
    readonly path: string,
    options: AclRulesFileOptions,
  ) {
    this.logger = options.logger;
    const interval = options.reloadIntervalMillis ?? DEFAULT_ACL_RELOAD_INTERVAL_MILLIS;
    if (!Number.isInteger(interval) || interval <= 0)
      throw new AclConfigError(`the ACL reload interval must be a positive integer (ms), got ${interval}`);
    this.intervalMillis = interval;
    let sources: AclSource[];
    try {
      const files = statSync(path).isDirectory() ? listSync(path) : [path];
      sources = files.map((file) => ({ file, content: readFileSync(file, 'utf8') }));
    } catch (err) {
      throw new AclConfigError(`cannot read the ACL file ${path}: ${(err as Error).message}`);
    }
    this.current = buildAclRules(sources);
    this.loadedDigest = digest(sources);
    this.report(this.current);
  }

  get rules(): AclRules {
    return this.current;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.intervalMillis);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One reload check (the timer calls it; tests may too). Never throws. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    let sources: AclSource[] | undefined;
    try {
      const files = (await stat(this.path)).isDirectory() ? await listAsync(this.path) : [this.path];
      sources = [];
      for (const file of files) sources.push({ file, content: await readFile(file, 'utf8') });
      const d = digest(sources);
      if (d === this.loadedDigest || d === this.lastFailedDigest) {
        this.pendingDigest = undefined;
        return;
      }
      if (d !== this.pendingDigest) {
        this.pendingDigest = d; // still being written, maybe: applied when the next poll reads the same
        return;
      }
      this.pendingDigest = undefined;
      try {
        const rules = buildAclRules(sources);
        this.current = rules;
        this.loadedDigest = d;
        this.lastFailedDigest = undefined;
        this.reloads++;
        this.report(rules);
        this.logger.info({ path: this.path, accounts: rules.accounts.size }, 'ACL rules reloaded');
      } catch (err) {
        this.lastFailedDigest = d;
        this.logger.error(
          { path: this.path, error: (err as Error).message },
          'ACL file is invalid: keeping the previous rules',
        );
      }
    } catch (err) {
      if (this.lastFailedDigest !== 'unreadable')
        this.logger.error(
          { path: this.path, error: (err as Error).message },
          'ACL file cannot be read: keeping the previous rules',
        );
      this.lastFailedDigest = 'unreadable';
    } finally {
      this.polling = false;
    }
  }

  private report(rules: AclRules): void {
    for (const warning of rules.warnings) this.logger.warn({ path: this.path }, `ACL: ${warning}`);
  }
}
