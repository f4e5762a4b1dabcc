/**
 * Certificates, keys and CA bundles given either as PEM values (string or Buffer) or as file paths,
 * read once when a client or server is built so that a missing or unreadable file fails there, with
 * the option's name in the message, and never at the first connection.
 */
import fs from 'node:fs';
import { IllegalArgumentError } from '../../common/errors.js';

export type PemValue = string | Buffer;

/** Reads `path` (the option `pathOption`) or returns `value`; undefined when neither is given. */
export function pemFrom(
  owner: string,
  valueOption: string,
  value: PemValue | readonly PemValue[] | undefined,
  pathOption: string,
  path: string | undefined,
): PemValue | PemValue[] | undefined {
  if (value !== undefined && path !== undefined)
    throw new IllegalArgumentError(`${owner}: give ${valueOption} or ${pathOption}, not both`);
  if (path !== undefined) {
    if (typeof path !== 'string' || path === '')
      throw new IllegalArgumentError(`${owner}: ${pathOption} must be a file path`);
    let content: Buffer;
    try {
      content = fs.readFileSync(path);
    } catch (error) {
      throw new IllegalArgumentError(
        `${owner}: cannot read ${pathOption} "${path}": ${(error as Error).message}`,
        { cause: error },
      );
    }
    checkPem(owner, `${pathOption} "${path}"`, content);
    return content;
  }
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? (value as readonly PemValue[]) : [value as PemValue];
  for (const item of list) {
    if (typeof item !== 'string' && !Buffer.isBuffer(item))
      throw new IllegalArgumentError(`${owner}: ${valueOption} must be PEM text (string or Buffer)`);
    checkPem(owner, valueOption, item);
  }
  return Array.isArray(value) ? [...list] : (value as PemValue);
}

function checkPem(owner: string, what: string, content: PemValue): void {
  const text = typeof content === 'string' ? content : content.toString('latin1');
  if (!text.includes('-----BEGIN '))
    throw new IllegalArgumentError(`${owner}: ${what} is not PEM (no "-----BEGIN" line)`);
}
