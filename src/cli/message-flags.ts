/** What the message commands (send, request, reply, recall) share: error lines, --topic, --body / --file. */
import { readFile } from 'node:fs/promises';
import { checkTopic } from '../protocol/message/index.js';
import { CliError } from './cli-error.js';

/** First line of an error's message: the CLI prints one line, never a stack. */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}

/** --topic, required and a legal topic name. */
export function topicFlag(topic: string | undefined): string {
  if (topic === undefined || topic.trim() === '') throw new CliError('--topic is required (see --help)');
  try {
    checkTopic(topic);
  } catch (err) {
    throw new CliError(`--topic: ${oneLine(err)}`);
  }
  return topic;
}

/** Exactly one of --body TEXT / --file PATH; call before connecting, read with `readBody`. */
export function checkBodyFlags(flags: { body?: string | undefined; file?: string | undefined }): void {
  if ((flags.body === undefined) === (flags.file === undefined)) {
    throw new CliError('give exactly one of --body TEXT or --file PATH');
  }
}

/** The message body: --body as UTF-8, or the bytes of --file. */
export async function readBody(flags: {
  body?: string | undefined;
  file?: string | undefined;
}): Promise<Buffer> {
  if (flags.file === undefined) return Buffer.from(flags.body ?? '', 'utf8');
  try {
    return await readFile(flags.file);
  } catch (err) {
    throw new CliError(`cannot read --file ${flags.file}: ${oneLine(err)}`);
  }
}
