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

/** Characters serialized per write: one piece costs well under a millisecond (values are <= 64K). */
const CHARS_PER_CHUNK = 64 * 1024;

/** The file's text in pieces of about CHARS_PER_CHUNK (the pieces joined are the whole file). */
export function* kvFileChunks(snapshot: KVSnapshot): Generator<string> {
  let piece = '{"configTable":{';
  for (let i = 0; i < snapshot.length; i++) {
    const [ns, entries] = snapshot[i]!;
    piece += `${i > 0 ? ',' : ''}${toFastjsonString(ns)}:{`;
    for (let j = 0; j < entries.length; j++) {
      const [key, value] = entries[j]!;
      // As fastjson writes a Map<String, String> entry: both strings escaped the same way.
      piece += `${j > 0 ? ',' : ''}${toFastjsonString(key)}:${toFastjsonString(value)}`;
      if (piece.length >= CHARS_PER_CHUNK) {
        yield piece;
        piece = '';
      }
    }
    piece += '}';
  }
  yield `${piece}}}`;
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
