/** Shared helpers of the message-store tests: temp store roots and message inputs. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageStore } from '../../src/server/store/index.js';
import type { MessageStoreOptions, PutMessageInput, StoreHooks } from '../../src/server/store/index.js';
import { encodeProperties } from '../../src/protocol/message/properties.js';
import { CommitLog } from '../../src/server/store/commit-log.js';
import { listOffsetFiles, nodeFileIO } from '../../src/server/store/file-io.js';
import type { ScanLimits } from '../../src/server/store/log-scan.js';
import { logScanLimits } from '../../src/server/store/recovery.js';

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-store-'));
  try {
    return await fn(dir);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

export async function openStore(
  dir: string,
  options: Partial<MessageStoreOptions> = {},
  hooks: StoreHooks = {},
): Promise<MessageStore> {
  const store = new MessageStore(
    { storePathRootDir: dir, commitLogSegmentSize: 64 * 1024, consumeQueueEntriesPerFile: 1000, ...options },
    hooks,
  );
  await store.open();
  return store;
}

/**
 * The commit log of a closed store under `dir`, its files open, with the limits recovery walks it with:
 * for tests that drive the walk (scanLog) themselves. Close it with `log.closeFiles()`.
 */
export function openLogForScan(dir: string, segmentSize: number): { log: CommitLog; limits: ScanLimits } {
  const log = new CommitLog(nodeFileIO, dir, segmentSize);
  log.openSegments(listOffsetFiles(nodeFileIO, log.dir));
  const limits = logScanLimits({
    rootDir: dir,
    commitLog: log,
    maxMessageSize: 4 << 20,
    maxWriteBatchBytes: 1 << 20,
  });
  return { log, limits };
}

export function propsString(props: Record<string, string>): string {
  return encodeProperties(props);
}

export function message(overrides: Partial<PutMessageInput> & { tags?: string } = {}): PutMessageInput {
  const { tags, ...rest } = overrides;
  return {
    topic: 'TopicTest',
    queueId: 0,
    flag: 0,
    body: Buffer.from('hello'),
    properties: tags === undefined ? propsString({ KEYS: 'k1' }) : propsString({ TAGS: tags, KEYS: 'k1' }),
    sysFlag: 0,
    bornTimestamp: 1700000000000,
    bornHost: { ip: '192.168.0.10', port: 54321 },
    storeHost: { ip: '10.0.0.1', port: 10911 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0n,
    ...rest,
  };
}

/** SHA-256 over every file under `dir` (relative names and contents, in name order). */
export function hashTree(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else h.update(`${path.relative(dir, p)}\n`).update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}
