/**
 * LanguageCode: the JSON header carries the name, the binary header the number. Ordinal == code for every
 * value. NODE_JS exists only from 5.3.2; older peers decode it as null, so we announce JAVA by default.
 */
export const LanguageCode = {
  JAVA: 0,
  CPP: 1,
  DOTNET: 2,
  PYTHON: 3,
  DELPHI: 4,
  ERLANG: 5,
  RUBY: 6,
  OTHER: 7,
  HTTP: 8,
  GO: 9,
  PHP: 10,
  OMS: 11,
  RUST: 12,
  NODE_JS: 13,
} as const;

export type LanguageName = keyof typeof LanguageCode;

const languageByCode = new Map<number, LanguageName>(
  (Object.entries(LanguageCode) as [LanguageName, number][]).map(([name, code]) => [code, name]),
);

/** Language name for a binary code; undefined when unknown (Java turns it into null). */
export function languageFromCode(code: number): LanguageName | undefined {
  return languageByCode.get(code);
}

export function isLanguageName(value: string): value is LanguageName {
  return Object.prototype.hasOwnProperty.call(LanguageCode, value);
}
