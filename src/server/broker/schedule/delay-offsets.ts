/**
 * `<store>/config/delayOffset.json`: delivery progress of each delay level, Java's shape
 * {"offsetTable":{"1":12,"3":4}} (Java writes the integer keys unquoted; both forms are read).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../../store/file-io.js';
import type { DelayOffsetStore } from './schedule-service.js';
import { makeDirsSync } from '../../../common/make-dirs.js';
import { delayOffsetsText, parseDelayOffsets } from '../../store/offsets-file.js';

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
        // Exact over the whole long range; entries that are not (level, offset) are skipped.
        return parseDelayOffsets(text).table;
      } catch {
        // An unreadable file restarts delivery from each queue's beginning: late messages come again.
      }
      return out;
    },
    save(offsets) {
      const table = new Map([...offsets].sort((a, b) => a[0] - b[0]));
      makeDirsSync(path.dirname(file));
      writeFileAtomicSync(file, delayOffsetsText(table));
    },
  };
}
