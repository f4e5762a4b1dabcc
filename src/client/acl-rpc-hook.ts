/**
 * ACL 1.0 request signing (Java AclClientRPCHook), for clusters with ACL enabled: just before a
 * request is written, AccessKey (and SecurityToken) are added and every ext field but Signature is
 * signed with the body (src/protocol/command/acl-signature.ts has the byte layout). Every field
 * present is signed, including `_UNIQUE_KEY_QUERY`, as 4.9.4+ clients do.
 */
import { rejectUnknownOptions, type OptionKeys } from '../common/option-keys.js';
import { IllegalArgumentError } from '../common/errors.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import { ACL_FIELDS, aclSignature, signRequest } from '../protocol/command/acl-signature.js';
import type { AclCredentials } from '../protocol/command/acl-signature.js';
import type { RPCHook } from '../transport/types.js';

export type { AclCredentials };
export { ACL_FIELDS, aclSignature };

/** Every field of AclCredentials: add a line here with each new one. */
const ACL_CREDENTIAL_KEYS: OptionKeys<AclCredentials> = {
  accessKey: true,
  secretKey: true,
  securityToken: true,
};

/** A frozen copy of the credentials, refused when the access or secret key is missing. */
export function checkAclCredentials(credentials: AclCredentials): AclCredentials {
  rejectUnknownOptions(credentials, ACL_CREDENTIAL_KEYS, 'ACL credentials');
  if (typeof credentials?.accessKey !== 'string' || typeof credentials.secretKey !== 'string') {
    throw new IllegalArgumentError('ACL credentials need accessKey and secretKey strings');
  }
  if (!credentials.accessKey || !credentials.secretKey) {
    throw new IllegalArgumentError('ACL needs both accessKey and secretKey (set them, or drop the ACL hook)');
  }
  if (credentials.securityToken !== undefined && typeof credentials.securityToken !== 'string') {
    throw new IllegalArgumentError('ACL securityToken must be a string');
  }
  return Object.freeze({ ...credentials });
}

export class AclClientRPCHook implements RPCHook {
  private readonly credentials: AclCredentials;

  constructor(credentials: AclCredentials) {
    this.credentials = checkAclCredentials(credentials);
  }

  /** Signs the request with the access key and secret (HmacSHA1 over the sorted fields and body), as Java's AclClientRPCHook. */
  beforeRequest(_remoteAddress: string, request: RemotingCommand): void {
    signRequest(request, this.credentials);
  }
}
