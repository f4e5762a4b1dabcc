/**
 * Unknown option keys are refused, naming the nearest valid one: `sendTimeout` is a typo of
 * `sendMsgTimeout`, and a silently ignored timeout is worse than an error at construction.
 *
 * Each options interface keeps its list of keys right beside it, typed `OptionKeys<TheOptions>`:
 * TypeScript refuses the list when an option of the interface is missing from it, so adding an option
 * is one more line in the list and cannot be forgotten. Each resolver makes one call to
 * `rejectUnknownOptions` before reading anything.
 */
import { ClientErrorCode, IllegalArgumentError } from './errors.js';

/** Every key of an options interface, each mapped to `true` (missing keys fail to compile). */
export type OptionKeys<T> = { readonly [K in keyof T]-?: true };

/** Levenshtein edit distance (insertions, deletions, substitutions), two rows of memory. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The valid key nearest to `key` (case ignored), when it is near enough to be a likely typo: at most a
 * third of the longer name's length in edits (at least 2), or one name containing the other.
 */
export function nearestKey(key: string, valid: Iterable<string>): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const other = candidate.toLowerCase();
    const contained = other.includes(lower) || lower.includes(other);
    const distance = contained ? Math.min(1, editDistance(lower, other)) : editDistance(lower, other);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(2, Math.floor(Math.max(key.length, best.length) / 3));
  return bestDistance <= allowed ? best : undefined;
}

/**
 * Throws IllegalArgumentError (UNKNOWN_OPTION) for the first own key of `options` that is not in
 * `known`, naming the nearest valid key or else listing them. `what` names the options in the message
 * (`producer options`); `noun` is what a key is called there (`option`, or `setting`, quoted, for the
 * TLS settings). Not an object: left to the resolver's own check.
 */
export function rejectUnknownOptions(
  options: unknown,
  known: OptionKeys<object>,
  what: string,
  noun: 'option' | 'setting' = 'option',
): void {
  if (options === null || typeof options !== 'object') return;
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(known, key)) continue;
    const valid = Object.keys(known);
    const nearest = nearestKey(key, valid);
    const named = noun === 'option' ? key : JSON.stringify(key);
    const hint = nearest
      ? `; did you mean ${nearest}? (${what})`
      : ` (valid ${what}: ${valid.sort().join(', ')})`;
    throw new IllegalArgumentError(`unknown ${noun} ${named}${hint}`, {
      code: ClientErrorCode.UNKNOWN_OPTION,
    });
  }
}

/** The keys of a complete defaults object as an OptionKeys list (for options whose defaults name them all). */
export function keysOf<T extends object>(defaults: T): OptionKeys<T> {
  return Object.fromEntries(Object.keys(defaults).map((key) => [key, true])) as OptionKeys<T>;
}
