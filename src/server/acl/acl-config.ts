/**
 * plain_acl.yml, read into access rules with Java 4.9.8's semantics (PlainPermissionManager.load,
 * buildPlainAccessResource, Permission.parsePermFromString / parseResourcePerms):
 *
 *   globalWhiteRemoteAddresses: [pattern, ...]     addresses trusted without any check
 *   accounts:
 *     - accessKey: ...        longer than 6 characters     secretKey: ... (same)
 *       whiteRemoteAddress: pattern                        trusted without any check for this account
 *       admin: true|false                                  may use the admin request codes
 *       defaultTopicPerm / defaultGroupPerm: PUB|SUB|PUB|SUB|SUB|PUB|DENY (missing or unknown: DENY)
 *       topicPerms / groupPerms: [name=PERM, ...]           groups are kept as %RETRY%group
 *   dataVersion: [{counter, timestamp}]                    reported, not interpreted
 *
 * Several files (a directory, as the 4.9.8/5.x conf/acl folder): addresses add up, an access key
 * defined again in a later file is ignored with a warning (Java keeps the first).
 */
import { RETRY_GROUP_TOPIC_PREFIX } from '../../protocol/message/validators.js';
import { AclConfigError } from './acl-errors.js';
import { addressPattern } from './remote-address.js';
import type { AddressPattern } from './remote-address.js';
import { parseYamlSubset, YamlSubsetError } from './yaml-subset.js';
import type { YamlValue } from './yaml-subset.js';

/** Java Permission bits. */
export const Perm = { DENY: 1, ANY: 2, PUB: 4, SUB: 8 } as const;

export interface AclAccount {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly admin: boolean;
  readonly defaultTopicPerm: number;
  readonly defaultGroupPerm: number;
  /** topic or %RETRY%group -> permission bits. */
  readonly resourcePerms: ReadonlyMap<string, number>;
  readonly whiteAddress: AddressPattern;
  /** The file it came from. */
  readonly file: string;
}

export interface AclRules {
  readonly globalWhiteAddresses: readonly AddressPattern[];
  readonly accounts: ReadonlyMap<string, AclAccount>;
  /** File -> its dataVersion entry (counter, timestamp), when it has one. */
  readonly dataVersions: ReadonlyMap<string, { counter: number; timestamp: number }>;
  /** Things Java accepts silently that an operator should hear about. */
  readonly warnings: readonly string[];
}

const ACCESS_KEY_MIN_LENGTH = 6;
const SECRET_KEY_MIN_LENGTH = 6;

/** Java Permission.parsePermFromString; an unknown word is DENY (reported as a warning). */
export function parsePerm(text: string | null | undefined, warnings?: string[], where?: string): number {
  if (text === null || text === undefined) return Perm.DENY;
  switch (text.trim()) {
    case 'PUB':
      return Perm.PUB;
    case 'SUB':
      return Perm.SUB;
    case 'PUB|SUB':
    case 'SUB|PUB':
      return Perm.PUB | Perm.SUB;
    case 'DENY':
      return Perm.DENY;
    default:
      warnings?.push(
        `${where ?? 'permission'}: "${text}" is not PUB, SUB, PUB|SUB, SUB|PUB or DENY: read as DENY`,
      );
      return Perm.DENY;
  }
}

/** Java Permission.checkPermission. */
export function permits(needed: number, owned: number): boolean {
  if ((owned & Perm.DENY) !== 0) return false;
  if ((needed & Perm.ANY) !== 0) return (owned & (Perm.PUB | Perm.SUB)) !== 0;
  return (needed & owned) !== 0;
}

type YamlMap = { [key: string]: YamlValue };

function isMap(v: YamlValue | undefined): v is YamlMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(value: YamlValue | undefined, what: string): YamlValue[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new AclConfigError(`${what} must be a list`);
  return value;
}

function text(value: YamlValue | undefined, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new AclConfigError(`${what} must be a single value, not a list or mapping`);
  return value;
}

/** fastjson's String -> boolean as PlainAccessConfig.admin reads SnakeYAML's value (YAML 1.1 words too). */
function bool(value: YamlValue | undefined, what: string): boolean {
  const t = text(value, what);
  if (t === undefined) return false;
  if (/^(true|True|TRUE|yes|Yes|YES|on|On|ON|y|Y|1)$/.test(t)) return true;
  if (/^(false|False|FALSE|no|No|NO|off|Off|OFF|n|N|0)$/.test(t)) return false;
  throw new AclConfigError(`${what} must be true or false, got "${t}"`);
}

function resourcePerms(
  items: YamlValue[],
  isTopic: boolean,
  into: Map<string, number>,
  warnings: string[],
  who: string,
): void {
  const kind = isTopic ? 'topic' : 'group';
  for (const item of items) {
    const entry = text(item, `${who} ${kind}Perms entry`) ?? '';
    const parts = entry.split('=').filter((p) => p !== '');
    if (parts.length !== 2) throw new AclConfigError(`Parse resource permission failed for ${kind}:${entry}`);
    const name = parts[0]!.trim();
    into.set(
      isTopic ? name : RETRY_GROUP_TOPIC_PREFIX + name,
      parsePerm(parts[1], warnings, `${who} ${kind} ${name}`),
    );
  }
}

function account(raw: YamlValue, file: string, warnings: string[]): AclAccount {
  if (!isMap(raw))
    throw new AclConfigError('each entry of accounts must be a mapping (accessKey: ..., secretKey: ...)');
  const accessKey = text(raw.accessKey, 'accessKey');
  const secretKey = text(raw.secretKey, 'secretKey');
  if (
    accessKey === undefined ||
    secretKey === undefined ||
    accessKey.length <= ACCESS_KEY_MIN_LENGTH ||
    secretKey.length <= SECRET_KEY_MIN_LENGTH
  ) {
    // Java's message, without printing the secret key.
    throw new AclConfigError(
      `The accessKey=${accessKey ?? 'null'} and secretKey=${secretKey === undefined ? 'null' : '***'} cannot be null and length should longer than 6`,
    );
  }
  const who = `account ${accessKey}`;
  const perms = new Map<string, number>();
  resourcePerms(list(raw.groupPerms, `${who} groupPerms`), false, perms, warnings, who);
  resourcePerms(list(raw.topicPerms, `${who} topicPerms`), true, perms, warnings, who);
  return {
    accessKey,
    secretKey,
    admin: bool(raw.admin, `${who} admin`),
    defaultTopicPerm: parsePerm(
      text(raw.defaultTopicPerm, `${who} defaultTopicPerm`),
      warnings,
      `${who} defaultTopicPerm`,
    ),
    defaultGroupPerm: parsePerm(
      text(raw.defaultGroupPerm, `${who} defaultGroupPerm`),
      warnings,
      `${who} defaultGroupPerm`,
    ),
    resourcePerms: perms,
    whiteAddress: addressPattern(text(raw.whiteRemoteAddress, `${who} whiteRemoteAddress`)),
    file,
  };
}

export interface AclSource {
  readonly file: string;
  readonly content: string;
}

/** Reads the files (in order) into one rule set; any problem throws AclConfigError naming the file. */
export function buildAclRules(sources: readonly AclSource[]): AclRules {
  const warnings: string[] = [];
  const globals: AddressPattern[] = [];
  const accounts = new Map<string, AclAccount>();
  const dataVersions = new Map<string, { counter: number; timestamp: number }>();
  for (const { file, content } of sources) {
    let doc: YamlValue;
    try {
      doc = parseYamlSubset(content);
    } catch (err) {
      if (err instanceof YamlSubsetError) throw new AclConfigError(`${file}: ${err.message}`);
      throw err;
    }
    if (doc === null || (isMap(doc) && Object.keys(doc).length === 0)) {
      warnings.push(`${file}: no data`);
      continue;
    }
    if (!isMap(doc)) throw new AclConfigError(`${file}: the top level must be a mapping (accounts: ...)`);
    try {
      for (const p of list(doc.globalWhiteRemoteAddresses, 'globalWhiteRemoteAddresses'))
        globals.push(addressPattern(text(p, 'a globalWhiteRemoteAddresses entry')));
      for (const raw of list(doc.accounts, 'accounts')) {
        const a = account(raw, file, warnings);
        if (accounts.has(a.accessKey))
          warnings.push(`${file}: accessKey ${a.accessKey} is defined in an earlier file; ignored`);
        else accounts.set(a.accessKey, a);
      }
      const version = list(doc.dataVersion, 'dataVersion')[0];
      if (isMap(version)) {
        dataVersions.set(file, {
          counter: Number(text(version.counter, 'dataVersion counter') ?? 0),
          timestamp: Number(text(version.timestamp, 'dataVersion timestamp') ?? 0),
        });
      }
    } catch (err) {
      if (err instanceof AclConfigError) throw new AclConfigError(`${file}: ${err.message}`);
      throw err;
    }
  }
  return { globalWhiteAddresses: globals, accounts, dataVersions, warnings };
}

/** The first admin account's keys (what a broker started next to the file registers with by default). */
export function firstAdminCredentials(rules: AclRules): { accessKey: string; secretKey: string } | undefined {
  for (const account of rules.accounts.values()) {
    if (account.admin) return { accessKey: account.accessKey, secretKey: account.secretKey };
  }
  return undefined;
}
