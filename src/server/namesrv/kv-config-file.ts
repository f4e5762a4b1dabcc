/**
 * Writes kvConfig.json without holding the event loop: the table is snapshotted (its strings are
 * immutable, so copying the entry lists is enough), then serialized and written a chunk of entries at
 * a time, each write awaited, so other requests run between chunks however large the table is.
 * The file is replaced atomically as the broker's config files are (temp file + fsync + rename +
 * directory fsync), and its text is what toFastjsonString({configTable}) would give:
 *   {"configTable":{"<ns>":{"<key>":"<value>",...},...}}   namespaces and keys in Java HashMap order
 */
import fs from 'node:fs';
import { dirname } from 'node:path';
import { toFastjsonString } from '../../protocol/json/fastjson-write.js';
import { makeDirsSync } from '../../common/make-dirs.js';

/** Namespace -> its entries, both in Java HashMap order. */
export type KVSnapshot = [string, [string, string][]][];

/** Entries serialized per write: small enough that one chunk costs well under a millisecond. */
const ENTRIES_PER_CHUNK = 512;

/** The file's text in pieces, one chunk of entries each (the pieces joined are the whole file). */
export function* kvFileChunks(snapshot: KVSnapshot): Generator<string> {
  let head = '{"configTable":{';
  for (let i = 0; i < snapshot.length; i++) {
    const [ns, entries] = snapshot[i]!;
    head += `${i > 0 ? ',' : ''}${toFastjsonString(ns)}:{`;
    for (let j = 0; j < entries.length; j += ENTRIES_PER_CHUNK) {
      const chunk = toFastjsonString(new Map(entries.slice(j, j + ENTRIES_PER_CHUNK))).slice(1, -1);
      yield `${head}${j > 0 ? ',' : ''}${chunk}`;
      head = '';
    }
    head += '}';
  }
  yield `${head}}}`;
}

/** Replaces `path` with the snapshot: temp file, fsync, rename, directory fsync. */
export async function writeKVFile(path: string, snapshot: KVSnapshot): Promise<void> {
  const dir = dirname(path);
  makeDirsSync(dir);
  const tmp = `${path}.tmp`;
  const handle = await fs.promises.open(tmp, 'w');
  try {
    let position = 0;
    for (const text of kvFileChunks(snapshot)) {
      const bytes = Buffer.from(text, 'utf8');
      await handle.write(bytes, 0, bytes.length, position);
      position += bytes.length;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(tmp, path);
  const dirHandle = await fs.promises.open(dir, 'r').catch(() => undefined);
  try {
    await dirHandle?.sync();
  } catch {
    // Some platforms refuse fsync on directories.
  } finally {
    await dirHandle?.close();
  }
}
