/**
 * The table-driven header codec: one loop over a header's fields for every header. What
 * compiled-codec.ts generates straight-line code for; it serves where code generation is disallowed,
 * and is the reference the compiled functions are tested against.
 */
import { HeaderFieldError } from '../../common/errors.js';
import { BAD_VALUE, formatValue, parseValue } from './field-values.js';
import type { FieldSpec } from './field-values.js';

export type KeyOf = (prop: string, spec: FieldSpec) => string;

/** Header value -> extFields entries, in table order; undefined and null fields left out. */
export function encodeByTable(
  name: string,
  entries: readonly (readonly [string, FieldSpec])[],
  source: Record<string, unknown>,
  keyOf: KeyOf,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [prop, spec] of entries) {
    const v = source[prop];
    if (v === undefined || v === null) continue;
    out[keyOf(prop, spec)] = formatValue(spec, v, prop, name);
  }
  return out;
}

/** The table-driven decode (lenient: absent and bad fields left out instead of thrown). */
export function decodeByTable<V>(
  name: string,
  entries: readonly (readonly [string, FieldSpec])[],
  extFields: Readonly<Record<string, string>> | undefined,
  keyOf: KeyOf,
  lenient: boolean,
): V {
  const out: Record<string, unknown> = {};
  for (const [prop, spec] of entries) {
    const raw = extFields?.[keyOf(prop, spec)];
    if (raw === undefined || raw === null) {
      if (spec.required && !lenient)
        throw new HeaderFieldError(`the custom field <${prop}> is null (header ${name})`);
      continue;
    }
    const value = parseValue(spec, raw);
    if (value === BAD_VALUE) {
      if (lenient) continue;
      throw new HeaderFieldError(
        `the custom field ${prop} of ${name} has a bad ${spec.type} value: "${raw}"`,
      );
    }
    out[prop] = value;
  }
  return out as V;
}
