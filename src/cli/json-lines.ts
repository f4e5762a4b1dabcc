/**
 * `--json` output of the CLI: one JSON object per line (NDJSON), so that `jq` and scripts read it line
 * by line while the command runs. Results and messages print in their library JSON form (their
 * `toJSON`: bigints as strings, a body as `body` + `bodyEncoding`, see src/common/json-form.ts); any
 * other bigint prints as a string too.
 */
function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value, replacer)}\n`;
}
