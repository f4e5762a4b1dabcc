/**
 * A restricted YAML reader for plain_acl.yml, so the package keeps zero runtime dependencies.
 *
 * Read: block mappings and block sequences nested by indentation (spaces only), a sequence item that
 * starts a mapping on its own line (`- accessKey: x`), a sequence directly under its key at the key's
 * indentation, plain / 'single' / "double" quoted scalars, one-line flow sequences of scalars
 * (`[a, "b"]`), empty `{}` / `[]`, comments, a leading `---` and a trailing `...`.
 * Refused with the line number (never guessed): tabs in indentation, anchors, aliases, tags, block
 * scalars (`|`, `>`), multi-line scalars, nested flow collections, several documents.
 *
 * Scalars come back as strings (the caller reads booleans and numbers from them, as fastjson converts
 * SnakeYAML's values to the PlainAccessConfig field types); a plain `~`, `null`, `Null`, `NULL` or an
 * empty value is null. A key given twice keeps the last value, as SnakeYAML does.
 */

export type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue };

export class YamlSubsetError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'YamlSubsetError';
  }
}

interface Line {
  readonly no: number;
  indent: number;
  text: string;
}

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);

/** Removes a comment (a `#` at the start or after a space, outside quotes). */
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else quote = undefined;
      } else if (c === '\\' && quote === '"') i++;
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s:[,{-]/.test(text[i - 1]!)) quote = c;
    } else if (c === '#' && (i === 0 || text[i - 1] === ' ' || text[i - 1] === '\t')) {
      return text.slice(0, i);
    }
  }
  return text;
}

function toLines(source: string): Line[] {
  const lines: Line[] = [];
  const raw = source.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  for (let i = 0; i < raw.length; i++) {
    const no = i + 1;
    const full = raw[i]!;
    const indentMatch = /^[ \t]*/.exec(full)![0];
    const body = stripComment(full.slice(indentMatch.length)).trimEnd();
    if (body === '') continue;
    if (indentMatch.includes('\t')) throw new YamlSubsetError('tabs cannot indent YAML; use spaces', no);
    if (body === '---' && lines.length === 0) continue;
    if (body === '...') break;
    if (body === '---' || body.startsWith('--- ')) throw new YamlSubsetError('only one document is read', no);
    if (body.startsWith('%')) throw new YamlSubsetError('YAML directives are not supported', no);
    lines.push({ no, indent: indentMatch.length, text: body });
  }
  return lines;
}

function parseDoubleQuoted(text: string, no: number): string {
  let out = '';
  for (let i = 1; i < text.length - 1; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = text[++i];
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      '"': '"',
      '\\': '\\',
      '/': '/',
      '0': '\0',
      ' ': ' ',
    };
    if (e !== undefined && simple[e] !== undefined) out += simple[e];
    else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(text.slice(i + 1, i + 5), 16));
      i += 4;
    } else throw new YamlSubsetError(`unknown escape \\${e ?? ''} in a double-quoted string`, no);
  }
  return out;
}

/** One scalar (the whole text must be it). */
function parseScalar(text: string, no: number): string | null {
  const t = text.trim();
  if (t.startsWith('"')) {
    if (t.length < 2 || !t.endsWith('"') || /(^|[^\\])(\\\\)*"/.test(t.slice(1, -1)))
      throw new YamlSubsetError(`unterminated or malformed double-quoted string: ${t}`, no);
    return parseDoubleQuoted(t, no);
  }
  if (t.startsWith("'")) {
    const inner = t.slice(1, -1);
    if (t.length < 2 || !t.endsWith("'") || /'/.test(inner.replace(/''/g, '')))
      throw new YamlSubsetError(`unterminated or malformed single-quoted string: ${t}`, no);
    return inner.replace(/''/g, "'");
  }
  if (NULLS.has(t)) return null;
  const first = t[0]!;
  if ('&*!|>@`'.includes(first))
    throw new YamlSubsetError(
      `"${t}" starts with "${first}" (an anchor, alias, tag or block scalar): put the value in quotes`,
      no,
    );
  if ('{['.includes(first)) throw new YamlSubsetError(`nested flow collections are not supported: ${t}`, no);
  if (/:(\s|$)/.test(t)) throw new YamlSubsetError(`a mapping value is not allowed here: ${t}`, no);
  return t;
}

function parseFlow(text: string, no: number): YamlValue {
  const t = text.trim();
  if (t.startsWith('{')) {
    if (/^\{\s*\}$/.test(t)) return {};
    throw new YamlSubsetError('flow mappings are not supported; write the mapping in block form', no);
  }
  if (!t.endsWith(']')) throw new YamlSubsetError(`unterminated flow sequence: ${t}`, no);
  const inner = t.slice(1, -1).trim();
  if (inner === '') return [];
  const items: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') {
        current += c + (inner[++i] ?? '');
        continue;
      }
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ',') {
      items.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  items.push(current);
  if (items.length > 1 && items[items.length - 1]!.trim() === '') items.pop();
  return items.map((item) => {
    if (item.trim() === '') throw new YamlSubsetError(`empty entry in flow sequence: ${t}`, no);
    return parseScalar(item, no);
  });
}

function parseInline(text: string, no: number): YamlValue {
  const t = text.trim();
  if (t.startsWith('[') || t.startsWith('{')) return parseFlow(t, no);
  return parseScalar(t, no);
}

/** "key: value" split at the first `:` followed by a space or the end, outside quotes. */
function splitKey(text: string, no: number): [string, string] | undefined {
  let i = 0;
  let key: string;
  if (text.startsWith('"') || text.startsWith("'")) {
    const q = text[0]!;
    i = 1;
    while (i < text.length && !(text[i] === q && !(q === "'" && text[i + 1] === "'")))
      i += text[i] === q ? 2 : 1;
    if (i >= text.length) return undefined;
    key = parseScalar(text.slice(0, i + 1), no) ?? '';
    i++;
    while (text[i] === ' ') i++;
    if (text[i] !== ':') return undefined;
  } else {
    const m = /:( |$)/.exec(text);
    if (!m) return undefined;
    i = m.index;
    key = text.slice(0, i).trim();
    if (key === '' || key.startsWith('? '))
      throw new YamlSubsetError('complex mapping keys are not supported', no);
  }
  return [key, text.slice(i + 1).trim()];
}

class Reader {
  private pos = 0;
  constructor(private readonly lines: Line[]) {}

  document(): YamlValue {
    if (this.lines.length === 0) return null;
    const first = this.lines[0]!;
    const value = this.block(first.indent);
    const extra = this.lines[this.pos];
    if (extra) throw new YamlSubsetError(`unexpected indentation or content: ${extra.text}`, extra.no);
    return value;
  }

  private block(indent: number): YamlValue {
    const line = this.lines[this.pos]!;
    if (isItem(line.text)) return this.sequence(indent);
    if (splitKey(line.text, line.no)) return this.mapping(indent);
    this.pos++;
    const next = this.lines[this.pos];
    if (next && next.indent > indent)
      throw new YamlSubsetError('multi-line scalars are not supported', next.no);
    return parseInline(line.text, line.no);
  }

  private sequence(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (
      let line = this.lines[this.pos];
      line && line.indent === indent && isItem(line.text);
      line = this.lines[this.pos]
    ) {
      const rest = line.text.slice(1);
      const content = rest.trimStart();
      if (content === '') {
        this.pos++;
        const next = this.lines[this.pos];
        items.push(next && next.indent > indent ? this.block(next.indent) : null);
        continue;
      }
      // "- key: v" or "- - x": what follows the dash is a block starting at its own column.
      line.indent = indent + 1 + (rest.length - content.length);
      line.text = content;
      items.push(this.block(line.indent));
    }
    return items;
  }

  private mapping(indent: number): { [key: string]: YamlValue } {
    const map: { [key: string]: YamlValue } = {};
    for (
      let line = this.lines[this.pos];
      line && line.indent === indent && !isItem(line.text);
      line = this.lines[this.pos]
    ) {
      const pair = splitKey(line.text, line.no);
      if (!pair) throw new YamlSubsetError(`expected "key: value", got: ${line.text}`, line.no);
      const [key, inline] = pair;
      if (key === '__proto__') throw new YamlSubsetError('"__proto__" cannot be a key', line.no);
      this.pos++;
      const next = this.lines[this.pos];
      if (inline !== '') {
        map[key] = parseInline(inline, line.no);
        if (next && next.indent > indent)
          throw new YamlSubsetError(`unexpected indentation after "${key}: ${inline}"`, next.no);
      } else if (next && next.indent > indent) {
        map[key] = this.block(next.indent);
      } else if (next && next.indent === indent && isItem(next.text)) {
        map[key] = this.sequence(indent);
      } else {
        map[key] = null;
      }
    }
    return map;
  }
}

function isItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** Parses the plain_acl.yml subset described above; throws YamlSubsetError with the line number. */
export function parseYamlSubset(source: string): YamlValue {
  return new Reader(toLines(source)).document();
}
