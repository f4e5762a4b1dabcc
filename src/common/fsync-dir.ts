/**
 * fsync of a directory, so that a file created or renamed in it survives a crash. Best effort: some
 * platforms (and file systems) refuse fsync on directories, and the entry is then as durable as they allow.
 */
import fs from 'node:fs';

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r').catch(() => undefined);
  try {
    await handle?.sync();
  } catch {
    // Refused on this platform: nothing more can be done.
  } finally {
    await handle?.close();
  }
}
