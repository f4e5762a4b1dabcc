/**
 * Reads the wire captures in /work/shared/reference/captures (or test/fixtures/captures when copied):
 * every `--- REQUEST|RESPONSE frame` block with its `hex:` line, the `decoded header:` JSON and, when
 * given, the body text.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CapturedFrame {
  /** File name and section title, for test names. */
  name: string;
  kind: 'REQUEST' | 'RESPONSE';
  bytes: Buffer;
  serializeType: number;
  /** The `decoded header:` object as printed (JSON; binary language as an ordinal, remark null). */
  decoded: Record<string, unknown>;
  /** Body text when the capture prints it. */
  bodyText?: string;
}

const CANDIDATE_DIRS = [
  new URL('../fixtures/captures/', import.meta.url).pathname,
  '/work/shared/reference/captures',
];

export function captureDir(): string | undefined {
  return CANDIDATE_DIRS.find((dir) => existsSync(dir));
}

export function loadCaptures(): CapturedFrame[] {
  const dir = captureDir();
  if (!dir) return [];
  const out: CapturedFrame[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    let section = '';
    let current: Partial<CapturedFrame> | undefined;
    const flush = (): void => {
      if (current?.bytes && current.decoded) out.push(current as CapturedFrame);
      current = undefined;
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.startsWith('===== ')) {
        flush();
        section = line.replace(/=+/g, '').trim();
      } else if (line.startsWith('--- ')) {
        flush();
        const kind = line.startsWith('--- REQUEST') ? 'REQUEST' : 'RESPONSE';
        const type = /serializeType=(\d)/.exec(line);
        current = { name: `${file} ${section} ${kind}`, kind, serializeType: Number(type?.[1] ?? -1) };
      } else if (current && line.startsWith('hex: ')) {
        current.bytes = Buffer.from(line.slice(5).trim(), 'hex');
      } else if (current && line.startsWith('decoded header: ')) {
        current.decoded = JSON.parse(line.slice('decoded header: '.length)) as Record<string, unknown>;
      } else if (current && line.startsWith('body (utf8): ')) {
        current.bodyText = JSON.parse(line.slice('body (utf8): '.length)) as string;
      } else if (current && line.startsWith('body (raw utf8')) {
        const rawBody = lines[i + 1];
        if (rawBody !== undefined) current.bodyText = rawBody;
      }
    }
    flush();
  }
  return out;
}
