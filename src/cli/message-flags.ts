/**
 * What the message commands (send, request, reply, recall, consume, bench) share: error lines, --topic,
 * --group, --body / --file.
 */
import { readFile } from 'node:fs/promises';
import { checkGroup, checkTopic } from '../protocol/message/index.js';
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

/** --group, required (a command with a default passes it in) and a legal group name. */
export function groupFlag(group: string | undefined): string {
  if (group === undefined || group.trim() === '') throw new CliError('--group is required (see --help)');
  try {
    checkGroup(group);
  } catch (err) {
    throw new CliError(`--group: ${oneLine(err)}`);
  }
  return group;
}

/** Exactly one of --body TEXT / --file PATH; call before connecting, read with `readBody`. */
export function checkBodyFlags(flags: { body?: string | undefined; file?: string | undefined }): void {
  if ((flags.body === undefined) === (flags.file === undefined)) {
    throw new CliError('give exactly one of --body TEXT or --file PATH');
  }
}

/** Java's DefaultMQProducer maxMessageSize: bodies above it are refused before sending. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * The message body: --body as UTF-8, the bytes of --file, or stdin for `--file -`. An empty or
 * too-large body is a usage error (exit 2) before any connection, like a bad flag.
 */
export async function readBody(
  flags: { body?: string | undefined; file?: string | undefined },
  stdin?: NodeJS.ReadableStream,
): Promise<Buffer> {
  const body =
    flags.file === undefined
      ? Buffer.from(flags.body ?? '', 'utf8')
      : flags.file === '-'
        ? await readStdin(stdin)
        : await readFile(flags.file).catch((err: unknown) => {
            throw new CliError(`cannot read --file ${flags.file}: ${oneLine(err)}`);
          });
  const source = flags.file === undefined ? '--body' : flags.file === '-' ? 'stdin' : `--file ${flags.file}`;
  if (body.length === 0)
    throw new CliError(`the message body from ${source} is empty (RocketMQ refuses empty bodies)`);
  if (body.length > MAX_BODY_BYTES) {
    throw new CliError(
      `the message body from ${source} is ${body.length} bytes, over the ${MAX_BODY_BYTES}-byte limit (maxMessageSize): split it`,
    );
  }
  return body;
}

/** All of stdin, stopping early (with a usage error) once it passes the body limit. */
async function readStdin(stdin: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (stdin === undefined) throw new CliError('--file - reads stdin, but there is no stdin here');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_BODY_BYTES) {
      throw new CliError(
        `the message body from stdin is over the ${MAX_BODY_BYTES}-byte limit (maxMessageSize): split it`,
      );
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}
