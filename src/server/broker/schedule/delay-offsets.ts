/**
 * `<store>/config/delayOffset.json`: delivery progress of each delay level, Java's shape
 * {"offsetTable":{"1":12,"3":4}} (Java writes the integer keys unquoted; both forms are read).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../../store/file-io.js';
import type { DelayOffsetStore } from './schedule-service.js';
import { makeDirsSync } from '../../../common/make-dirs.js';

export function delayOffsetFile(storePath: string): DelayOffsetStore {
  const file = path.join(storePath, 'config', 'delayOffset.json');
  return {
    load() {
      const out = new Map<number, bigint>();
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        return out;
      }
      try {
        const parsed = JSON.parse(text.replace(/([{,]\s*)(-?\d+)\s*:/g, '$1"$2":')) as {
          offsetTable?: Record<string, number | string>;
        };
        for (const [level, offset] of Object.entries(parsed.offsetTable ?? {})) {
          if (/^\d+$/.test(level) && /^\d+$/.test(String(offset))) out.set(Number(level), BigInt(offset));
        }
      } catch {
        // An unreadable file restarts delivery from each queue's beginning: late messages come again.
      }
      return out;
    },
    save(offsets) {
      const table: Record<string, number> = {};
      for (const [level, offset] of [...offsets].sort((a, b) => a[0] - b[0]))
        table[String(level)] = Number(offset);
      makeDirsSync(path.dirname(file));
      writeFileAtomicSync(file, JSON.stringify({ offsetTable: table }, null, 2));
    },
  };
}
