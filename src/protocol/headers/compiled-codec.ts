/**
 * A header table compiled into straight-line functions, one per direction and key form (V1 / V2).
 *
 * The table-driven codec (schema.ts) walks the table for every header: one call site writes every
 * property of the result (`out[prop] = value`) and one reads every wire key, so both become
 * megamorphic and go through V8's generic lookups, ~25 ns each (profiles of a broker under single
 * sends: ~4 % of its CPU in the SEND_MESSAGE_V2 header alone). Compiled, each property is written and
 * read at its own site with a constant name (monomorphic, inlined), and a string field is copied
 * without a call.
 *
 * Same results, same key order, same errors as the table-driven functions: the generated code calls
 * the same value rules (field-values.ts), and test/unit/codec-header-compiled.test.ts compares the two
 * on generated inputs. Names are embedded as JSON string literals (no identifier rules, no injection
 * from a caller's table). Where code generation is disallowed (`--disallow-code-generation-from-strings`),
 * or a caller's table names a key with something other than a string, compileHeader returns undefined
 * and the table-driven functions serve.
 */
import { HeaderFieldError } from '../../common/errors.js';
import { BAD_VALUE, formatValue, parseValue, SAFE_DIGITS, smallDecimal } from './field-values.js';
import type { FieldSpec } from './field-values.js';

type Fields = Readonly<Record<string, string>> | undefined;

export interface CompiledHeader {
  decode(extFields: Fields): Record<string, unknown>;
  decodeLenient(extFields: Fields): Record<string, unknown>;
  encode(value: Record<string, unknown>): Record<string, string>;
}

/** What the generated functions call: the shared value rules and the errors. */
interface Helpers {
  readonly specs: readonly FieldSpec[];
  readonly BAD: typeof BAD_VALUE;
  readonly parse: typeof parseValue;
  readonly small: typeof smallDecimal;
  readonly format: (i: number, value: unknown) => string;
  readonly missing: (i: number) => HeaderFieldError;
  readonly bad: (i: number, raw: unknown) => HeaderFieldError;
}

const literal = (text: string): string => JSON.stringify(text);

/** Code that parses `raw` (not null) of field i into `v`; `v === BAD` when it is not acceptable. */
function parseCode(spec: FieldSpec, i: number): string {
  switch (spec.type) {
    case 'string':
      return 'v = raw;';
    case 'int':
    case 'number':
      // Small plain decimals (most header numbers) skip the general rules, as parseValue does.
      return `v = h.small(raw, ${spec.type === 'int' ? 9 : SAFE_DIGITS}); if (v < 0) v = h.parse(h.specs[${i}], raw);`;
    default:
      return `v = h.parse(h.specs[${i}], raw);`;
  }
}

function decodeSource(
  entries: readonly (readonly [string, FieldSpec])[],
  keys: readonly string[],
  lenient: boolean,
): string {
  const lines = ['const out = {}; let raw; let v;'];
  entries.forEach(([prop, spec], i) => {
    lines.push(`raw = ext[${literal(keys[i]!)}];`);
    const absent = spec.required && !lenient ? `throw h.missing(${i});` : '';
    const onBad = lenient ? '' : `throw h.bad(${i}, raw);`;
    const store = `out[${literal(prop)}] = v;`;
    lines.push(
      `if (raw === undefined || raw === null) { ${absent} } else { ${parseCode(spec, i)} ` +
        (spec.type === 'string' ? store : `if (v === h.BAD) { ${onBad} } else { ${store} }`) +
        ' }',
    );
  });
  lines.push('return out;');
  return lines.join('\n');
}

function encodeSource(entries: readonly (readonly [string, FieldSpec])[], keys: readonly string[]): string {
  const lines = ['const out = {}; let v;'];
  entries.forEach(([prop, spec], i) => {
    lines.push(`v = value[${literal(prop)}];`);
    const text = spec.type === 'string' ? 'String(v)' : `h.format(${i}, v)`;
    lines.push(`if (v !== undefined && v !== null) out[${literal(keys[i]!)}] = ${text};`);
  });
  lines.push('return out;');
  return lines.join('\n');
}

type Generated<A extends unknown[], R> = (h: Helpers, ...args: A) => R;

function generate<A extends unknown[], R>(params: string, body: string): Generated<A, R> | undefined {
  try {
    return new Function('h', params, `'use strict';\n${body}`) as Generated<A, R>;
  } catch (error) {
    if (error instanceof EvalError) return undefined; // code generation disallowed
    throw error;
  }
}

/**
 * Compiles `entries` (a table's fields in order) for the wire keys `keys` (entries[i]'s key is
 * keys[i]). undefined where code generation from strings is disallowed.
 */
export function compileHeader(
  name: string,
  entries: readonly (readonly [string, FieldSpec])[],
  keys: readonly string[],
): CompiledHeader | undefined {
  // A caller's table may name a key with a number, a bigint or an object; the table-driven functions
  // turn those into property keys as JavaScript does, which a JSON literal would not reproduce.
  if (entries.some(([prop]) => typeof prop !== 'string') || keys.some((key) => typeof key !== 'string')) {
    return undefined;
  }
  const h: Helpers = {
    specs: entries.map(([, spec]) => spec),
    BAD: BAD_VALUE,
    parse: parseValue,
    small: smallDecimal,
    format: (i, value) => formatValue(entries[i]![1], value, entries[i]![0], name),
    missing: (i) => new HeaderFieldError(`the custom field <${entries[i]![0]}> is null (header ${name})`),
    bad: (i, raw) =>
      new HeaderFieldError(
        `the custom field ${entries[i]![0]} of ${name} has a bad ${entries[i]![1].type} value: "${String(raw)}"`,
      ),
  };
  const strict = generate<[Record<string, string>], Record<string, unknown>>(
    'ext',
    decodeSource(entries, keys, false),
  );
  const lenient = generate<[Record<string, string>], Record<string, unknown>>(
    'ext',
    decodeSource(entries, keys, true),
  );
  const encode = generate<[Record<string, unknown>], Record<string, string>>(
    'value',
    encodeSource(entries, keys),
  );
  if (!strict || !lenient || !encode) return undefined;
  return {
    decode: (ext) => strict(h, ext ?? EMPTY),
    decodeLenient: (ext) => lenient(h, ext ?? EMPTY),
    encode: (value) => encode(h, value),
  };
}

/** What an absent extFields reads as: no key at all (no inherited ones either). */
const EMPTY: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);
