/**
 * ACL 1.0 signatures (Java AclUtils.combineRequestContent + AclSigner), shared by the signing client
 * hook and the servers that check it.
 *
 * Content = the values of the ext fields sorted by key in Java String order (UTF-16 code units, which
 * is JavaScript's default sort), concatenated with no separator, as UTF-8, followed by the raw body.
 * Signature = base64(HmacSHA1(secretKey as UTF-8, content)).
 *
 * The signer puts every field except Signature into the content. Java's broker (PlainAccessValidator.
 * parse) leaves out `_UNIQUE_KEY_QUERY` as well when it recomputes the signature: the servers do too.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ChunkedBody } from './chunked-body.js';
import type { RemotingCommand } from './remoting-command.js';

/** Java SessionCredentials field names. */
export const ACL_FIELDS = {
  ACCESS_KEY: 'AccessKey',
  SECURITY_TOKEN: 'SecurityToken',
  SIGNATURE: 'Signature',
} as const;

/** Java MixAll.UNIQUE_MSG_QUERY_FLAG: not part of the content the broker checks. */
export const UNIQUE_MSG_QUERY_FLAG = '_UNIQUE_KEY_QUERY';

/** ACL 1.0 credentials: access key, secret key (signs requests, never sent) and an optional security token. */
export interface AclCredentials {
  /** Access key, sent with each request. */
  accessKey: string;
  /** Secret key: signs requests (HmacSHA1), never sent. */
  secretKey: string;
  /** Optional security token, sent with each request. */
  securityToken?: string;
}

const SIGNER_EXCLUDED: ReadonlySet<string> = new Set([ACL_FIELDS.SIGNATURE]);
/** What Java's broker leaves out of the content it recomputes. */
export const CHECKER_EXCLUDED: ReadonlySet<string> = new Set([ACL_FIELDS.SIGNATURE, UNIQUE_MSG_QUERY_FLAG]);

/** The Signature value for the given fields and body (a body in chunks is not joined). */
export function aclSignature(
  extFields: Readonly<Record<string, string>>,
  body: Uint8Array | ChunkedBody | undefined,
  secretKey: string,
  excluded: ReadonlySet<string> = SIGNER_EXCLUDED,
): string {
  const keys = Object.keys(extFields)
    .filter((k) => !excluded.has(k))
    .sort();
  let text = '';
  for (const key of keys) text += extFields[key]!;
  const hmac = createHmac('sha1', Buffer.from(secretKey, 'utf8'));
  hmac.update(text, 'utf8');
  if (body instanceof ChunkedBody) for (const chunk of body.chunks) hmac.update(chunk);
  else if (body && body.length > 0) hmac.update(body);
  return hmac.digest('base64');
}

/** Signs a request in place as Java's AclClientRPCHook does: AccessKey, SecurityToken, then Signature. */
export function signRequest(request: RemotingCommand, credentials: AclCredentials): void {
  const fields: Record<string, string> = { ...(request.extFields ?? {}) };
  fields[ACL_FIELDS.ACCESS_KEY] = credentials.accessKey;
  if (credentials.securityToken) fields[ACL_FIELDS.SECURITY_TOKEN] = credentials.securityToken;
  fields[ACL_FIELDS.SIGNATURE] = aclSignature(fields, request.body, credentials.secretKey);
  request.extFields = fields;
}

/** Constant-time comparison of two signatures (the answer is the same as Java's String.equals). */
export function signaturesEqual(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
