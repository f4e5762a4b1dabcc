/**
 * topics.json as ConfigStore writes it, built from per-topic entries serialized once per change:
 *
 *   {
 *     "topicConfigTable": {
 *       "<topic>": {"topicName":"<topic>","readQueueNums":8,...},      one entry per line
 *       ...
 *     },
 *     "dataVersion": {"timestamp":...,"counter":...}
 *   }
 *
 * The background writer takes the entries as one array of strings (a consistent snapshot: strings do
 * not change), writes them with async I/O in slices of TOPICS_PER_WRITE, one event-loop turn each,
 * into the same temp file as the synchronous writes (ConfigStore never runs both at once), fsyncs,
 * and renames. Before the rename the current file becomes `.bak` through a hard link (a copy where
 * links are not supported).
 */
import type { DataVersion, TopicConfig } from '../../protocol/body/topic-config.js';
import { replaceFileInBackground } from './config-files.js';

/** Topics serialized and written per event-loop turn by a background save. */
const TOPICS_PER_WRITE = 512;
const HEAD = '{\n  "topicConfigTable": {\n';

export function topicEntry(config: TopicConfig): string {
  return `    ${JSON.stringify(config.topicName)}: ${JSON.stringify(config)}`;
}

function tail(version: DataVersion): string {
  return `\n  },\n  "dataVersion": ${JSON.stringify(version)}\n}\n`;
}

/** The whole file at once (the synchronous writes). */
export function topicsFileText(entries: Iterable<string>, version: DataVersion): string {
  return HEAD + [...entries].join(',\n') + tail(version);
}

/** Writes `entries` as `file`, off the event loop as far as Node allows. */
export function writeTopicsFileInBackground(
  file: string,
  entries: readonly string[],
  version: DataVersion,
): Promise<void> {
  return replaceFileInBackground(file, async (handle) => {
    let position = 0;
    const write = async (text: string): Promise<void> => {
      const bytes = Buffer.from(text, 'utf8');
      await handle.write(bytes, 0, bytes.length, position);
      position += bytes.length;
    };
    await write(HEAD);
    for (let i = 0; i < entries.length; i += TOPICS_PER_WRITE) {
      await write((i > 0 ? ',\n' : '') + entries.slice(i, i + TOPICS_PER_WRITE).join(',\n'));
    }
    await write(tail(version));
  });
}
