/**
 * plain_acl.yml reading: the restricted YAML reader against js-yaml (a dev dependency) on files of
 * every shape the format uses, its refusals, Java's IP allowlist patterns, and the account rules
 * (key lengths, permissions, several files).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import yaml from 'js-yaml';
import { buildAclRules, parsePerm, permits } from '../../src/server/acl/acl-config.js';
import { Perm } from '../../src/server/acl/acl-config.js';
import { AclConfigError } from '../../src/server/acl/acl-errors.js';
import { addressPattern, expandIP, hostOfRemote } from '../../src/server/acl/remote-address.js';
import { parseYamlSubset } from '../../src/server/acl/yaml-subset.js';
import type { YamlValue } from '../../src/server/acl/yaml-subset.js';

/** js-yaml's typed scalars as the strings our reader keeps (fastjson converts them the same way). */
function asStrings(v: unknown): YamlValue {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(asStrings);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asStrings(x)]));
  return String(v);
}

const SAMPLES: Record<string, string> = {
  distribution: `# sample
globalWhiteRemoteAddresses:
  - 10.10.103.*
  - 192.168.0.*

accounts:
  - accessKey: RocketMQ
    secretKey: 12345678
    whiteRemoteAddress:
    admin: false
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - topicA=DENY
      - topicB=PUB|SUB   # trailing comment
      - topicC=SUB
    groupPerms:
      # the group is kept as its retry topic
      - groupA=DENY
      - groupB=PUB|SUB
  - accessKey: rocketmq2
    secretKey: 12345678
    whiteRemoteAddress: 192.168.1.*
    admin: true
`,
  compact: `---
globalWhiteRemoteAddresses:
- 10.10.103.*
accounts:
- accessKey: "quoted#key"
  secretKey: 'it''s secret'
  topicPerms: [topicA=PUB, "topicB=SUB", 'topicC=DENY']
  groupPerms: []
  admin: ~
- accessKey: other-key
  secretKey: "tab\\tand \\"quotes\\""
  whiteRemoteAddress: "*"
dataVersion:
- counter: 3
  timestamp: 1700000000000
...
`,
  nested: `accounts:
  -
    accessKey: spaced-item
    secretKey: secret-key-1
    groupPerms:
    - g=SUB
  - accessKey: second-one
    secretKey: secret-key-2
empty: {}
`,
};

describe('plain_acl.yml reader', () => {
  for (const [name, text] of Object.entries(SAMPLES)) {
    it(`reads the ${name} sample as js-yaml does`, () => {
      assert.deepEqual(parseYamlSubset(text), asStrings(yaml.load(text)));
    });
  }

  it('refuses what it does not read, naming the line', () => {
    const cases: [string, RegExp][] = [
      ['a:\n\tb: 1', /line 2: tabs/],
      ['a: *alias', /line 1: .*put the value in quotes/],
      ['a: &anchor x', /line 1: .*anchor/],
      ['a: |\n  text', /line 1: .*block scalar/],
      ['a: b: c', /line 1: a mapping value is not allowed/],
      ['a: "open', /line 1: unterminated/],
      ['a: [x, [y]]', /line 1: nested flow/],
      ['a: 1\n  b: 2', /line 2: unexpected indentation/],
      ['a:\n  - x\n  y: 1', /line 3/],
      ['a: 1\n---\nb: 2', /line 2: only one document/],
      ['a: {x: 1}', /line 1: flow mappings/],
      ['__proto__: 1', /__proto__/],
    ];
    for (const [text, message] of cases) assert.throws(() => parseYamlSubset(text), message, text);
  });
});

describe('IP allowlist patterns (Java RemoteAddressStrategyFactory)', () => {
  const table: [string, string[], string[]][] = [
    ['*', ['1.2.3.4', '::1'], []],
    ['192.168.0.*', ['192.168.0.1', '192.168.0.255'], ['192.168.1.1', '10.0.0.1']],
    ['192.168.1-10.*', ['192.168.1.7', '192.168.10.0'], ['192.168.11.1', '192.168.0.1']],
    ['192.*.*.*', ['192.0.0.1', '192.255.1.1'], ['193.0.0.1']],
    ['10.0.0.1-5', ['10.0.0.1', '10.0.0.5'], ['10.0.0.6', '10.0.0.0']],
    ['10.0.0.{1,2,3}', ['10.0.0.2'], ['10.0.0.4']],
    ['10.0.0.1,10.0.0.9', ['10.0.0.9'], ['10.0.0.2']],
    ['127.0.0.1', ['127.0.0.1'], ['127.0.0.2']],
    ['::1', ['0:0:0:0:0:0:0:1', '::1'], ['::2']],
    ['2001:db8::{1,2}', ['2001:db8::2', '2001:DB8:0:0:0:0:0:1'], ['2001:db8::3']],
    ['2001:db8:0:0:0:0:0:1-ff', ['2001:db8::10', '2001:db8::ff'], ['2001:db8::100', '2001:db9::10']],
    // Java's quirk, kept: "::" before a range expands short (2001:0DB8:0000), so the range is read
    // from the fourth group.
    ['2001:db8::1-ff', ['2001:db8:0:10::'], ['2001:db8::10']],
    ['2001:db8:0:0:0:0:0:*', ['2001:db8::abcd'], ['2001:db9::1']],
    ['', [], ['127.0.0.1']],
  ];
  for (const [pattern, yes, no] of table) {
    it(`"${pattern}"`, () => {
      const p = addressPattern(pattern);
      for (const ip of yes) assert.equal(p.matches(ip), true, `${pattern} should match ${ip}`);
      for (const ip of no) assert.equal(p.matches(ip), false, `${pattern} should not match ${ip}`);
    });
  }

  it('refuses malformed patterns with Java messages', () => {
    assert.throws(() => addressPattern('1.2.3'), /Netaddress examine Exception netaddress is 1\.2\.3/);
    assert.throws(() => addressPattern('10.0.0.5-1'), /scope Exception start is 5 , end is 1/);
    assert.throws(() => addressPattern('10.0.0.-5'), /scope Exception value -5/);
    assert.throws(() => addressPattern('10.0.0.1,bad'), /netaddress is bad/);
    assert.throws(() => addressPattern('2001:db8::*:1'), /scope Exception/);
  });

  it('expands IPv6 as Java AclUtils.expandIP and takes the host of "ip:port" forms', () => {
    assert.equal(expandIP('::1', 8), '0000:0000:0000:0000:0000:0000:0000:0001');
    assert.equal(expandIP('2001:db8::', 8), '2001:0DB8:0000:0000:0000:0000:0000:0000');
    assert.equal(hostOfRemote('127.0.0.1:5000'), '127.0.0.1');
    assert.equal(hostOfRemote('[::1]:5000'), '::1');
  });
});

describe('account rules', () => {
  const rules = (text: string) => buildAclRules([{ file: 'plain_acl.yml', content: text }]);

  it('builds accounts with Java defaults: DENY when no default permission, groups as %RETRY%', () => {
    const r = rules(SAMPLES.distribution!);
    const a = r.accounts.get('RocketMQ')!;
    assert.equal(a.secretKey, '12345678');
    assert.equal(a.admin, false);
    assert.equal(a.defaultTopicPerm, Perm.DENY);
    assert.equal(a.defaultGroupPerm, Perm.SUB);
    assert.equal(a.resourcePerms.get('topicB'), Perm.PUB | Perm.SUB);
    assert.equal(a.resourcePerms.get('%RETRY%groupA'), Perm.DENY);
    assert.equal(a.whiteAddress.matches('127.0.0.1'), false);
    const admin = r.accounts.get('rocketmq2')!;
    assert.equal(admin.admin, true);
    assert.equal(admin.defaultTopicPerm, Perm.DENY);
    assert.equal(r.globalWhiteAddresses.length, 2);
  });

  it('refuses short keys and broken resource entries, naming the file, and never prints the secret', () => {
    assert.throws(
      () => rules('accounts:\n- accessKey: short\n  secretKey: long-enough-secret'),
      (e: Error) =>
        e instanceof AclConfigError &&
        /plain_acl\.yml: The accessKey=short and secretKey=\*\*\* cannot be null and length should longer than 6/.test(
          e.message,
        ),
    );
    assert.throws(() => rules('accounts:\n- accessKey: abcdefg\n  secretKey: abcdef'), /secretKey=\*\*\*/);
    assert.throws(
      () => rules('accounts:\n- accessKey: abcdefgh\n  secretKey: abcdefgh\n  topicPerms:\n  - justAName'),
      /Parse resource permission failed for topic:justAName/,
    );
    assert.throws(() => rules('accounts: oops'), /accounts must be a list/);
    assert.throws(() => rules('- a\n- b'), /top level must be a mapping/);
    assert.throws(
      () => rules('accounts:\n- accessKey: abcdefgh\n  secretKey: abcdefgh\n  admin: maybe'),
      /admin must be true or false/,
    );
  });

  it('reads an unknown permission word as DENY, with a warning', () => {
    const r = rules('accounts:\n- accessKey: abcdefgh\n  secretKey: abcdefgh\n  defaultTopicPerm: PBU');
    assert.equal(r.accounts.get('abcdefgh')!.defaultTopicPerm, Perm.DENY);
    assert.match(r.warnings.join('\n'), /"PBU" is not PUB/);
  });

  it('merges several files: addresses add up, the first definition of an access key wins', () => {
    const r = buildAclRules([
      {
        file: 'a.yml',
        content:
          'globalWhiteRemoteAddresses: [10.0.0.1]\naccounts:\n- accessKey: shared-key\n  secretKey: first-secret',
      },
      {
        file: 'b.yml',
        content:
          'globalWhiteRemoteAddresses: [10.0.0.2]\naccounts:\n- accessKey: shared-key\n  secretKey: second-secret',
      },
      { file: 'c.yml', content: '' },
    ]);
    assert.equal(r.globalWhiteAddresses.length, 2);
    assert.equal(r.accounts.get('shared-key')!.secretKey, 'first-secret');
    assert.match(r.warnings.join('\n'), /b\.yml: accessKey shared-key is defined in an earlier file/);
    assert.match(r.warnings.join('\n'), /c\.yml: no data/);
  });

  it('checks permissions as Java Permission.checkPermission', () => {
    assert.equal(parsePerm('SUB|PUB'), Perm.PUB | Perm.SUB);
    assert.equal(parsePerm(undefined), Perm.DENY);
    assert.equal(permits(Perm.PUB, Perm.PUB | Perm.SUB), true);
    assert.equal(permits(Perm.SUB, Perm.PUB), false);
    assert.equal(permits(Perm.PUB, Perm.DENY | Perm.PUB), false);
    assert.equal(permits(Perm.ANY, Perm.SUB), true);
  });
});

describe('an ACL directory (the conf/acl folder)', () => {
  it('reads every .yml / .yaml under it, in name order, and reloads when one changes', async () => {
    const { mkdtempSync, mkdirSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { AclRulesFile } = await import('../../src/server/acl/acl-rules-file.js');
    const { silentLogger } = await import('../../src/common/logger.js');
    const dir = mkdtempSync(join(tmpdir(), 'rmq-acl-dir-'));
    try {
      mkdirSync(join(dir, 'team'));
      writeFileSync(join(dir, 'a.yml'), 'accounts:\n- accessKey: first-key\n  secretKey: first-secret');
      writeFileSync(
        join(dir, 'team', 'b.yaml'),
        'accounts:\n- accessKey: second-key\n  secretKey: second-secret',
      );
      writeFileSync(join(dir, 'notes.txt'), 'accounts: [not read]');
      const file = new AclRulesFile(dir, { logger: silentLogger });
      assert.deepEqual([...file.rules.accounts.keys()], ['first-key', 'second-key']);
      writeFileSync(
        join(dir, 'team', 'b.yaml'),
        'accounts:\n- accessKey: third-key\n  secretKey: third-secret',
      );
      await file.poll(); // new content is applied once two polls read it
      assert.deepEqual([...file.rules.accounts.keys()], ['first-key', 'second-key']);
      await file.poll();
      assert.deepEqual([...file.rules.accounts.keys()], ['first-key', 'third-key']);
      assert.equal(file.reloads, 1);
      writeFileSync(join(dir, 'a.yml'), 'accounts:\n\t- broken');
      await file.poll();
      await file.poll();
      assert.deepEqual([...file.rules.accounts.keys()], ['first-key', 'third-key']);
      // A poll in the middle of a write reads a truncated file (empty: valid, no accounts): not applied.
      writeFileSync(join(dir, 'a.yml'), '');
      await file.poll();
      writeFileSync(join(dir, 'a.yml'), 'accounts:\n- accessKey: fourth-key\n  secretKey: fourth-secret');
      await file.poll();
      assert.deepEqual(
        [...file.rules.accounts.keys()],
        ['first-key', 'third-key'],
        'nothing half-written applied',
      );
      await file.poll();
      assert.deepEqual([...file.rules.accounts.keys()], ['fourth-key', 'third-key']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
