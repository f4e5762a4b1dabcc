/**
 * ACL 1.0 request signing (Java AclClientRPCHook), for clusters with ACL enabled.
 *
 * Just before a request is written: put AccessKey (and SecurityToken), then sign every extField except
 * Signature, sorted by key in Java String order (UTF-16 code units, which is JavaScript's default sort),
 * concatenating the values only, followed by the raw body: Signature = base64(HmacSHA1(secretKey, that)).
 * Every field present is signed, including `_UNIQUE_KEY_QUERY`, as 4.9.4+ clients do.
 */
import { createHmac } from 'node:crypto';
import { IllegalArgumentError } from '../common/errors.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import type { RPCHook } from '../transport/types.js';

export interface AclCredentials {
  accessKey: string;
  secretKey: string;
  securityToken?: string;
}

export const ACL_FIELDS = {
  ACCESS_KEY: 'AccessKey',
  SECURITY_TOKEN: 'SecurityToken',
  SIGNATURE: 'Signature',
} as const;

/** The Signature value for the given fields and body (exported for tests and custom hooks). */
export function aclSignature(
  extFields: Readonly<Record<string, string>>,
  body: Buffer | undefined,
  secretKey: string,
): string {
  const keys = Object.keys(extFields)
    .filter((k) => k !== ACL_FIELDS.SIGNATURE)
    .sort();
  const hmac = createHmac('sha1', Buffer.from(secretKey, 'utf8'));
  for (const key of keys) hmac.update(extFields[key]!, 'utf8');
  if (body && body.length > 0) hmac.update(body);
  return hmac.digest('base64');
}

export class AclClientRPCHook implements RPCHook {
  private readonly credentials: AclCredentials;

  constructor(credentials: AclCredentials) {
    if (!credentials.accessKey || !credentials.secretKey) {
      throw new IllegalArgumentError(
        'ACL needs both accessKey and secretKey (set them, or drop the ACL hook)',
      );
    }
    this.credentials = { ...credentials };
  }

  beforeRequest(_remoteAddress: string, request: RemotingCommand): void {
    const fields: Record<string, string> = { ...(request.extFields ?? {}) };
    fields[ACL_FIELDS.ACCESS_KEY] = this.credentials.accessKey;
    if (this.credentials.securityToken) fields[ACL_FIELDS.SECURITY_TOKEN] = this.credentials.securityToken;
    fields[ACL_FIELDS.SIGNATURE] = aclSignature(fields, request.body, this.credentials.secretKey);
    request.extFields = fields;
  }
}
