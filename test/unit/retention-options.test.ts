/** Retention settings as broker options and `rmq broker` / `rmq dev` flags, down to the store's config. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IllegalArgumentError } from '../../src/common/errors.js';
import { resolveBrokerOptions } from '../../src/server/broker/core/broker-config.js';
import { messageStoreFor } from '../../src/server/broker/broker-tasks.js';
import { retentionOptionsFromFlags } from '../../src/cli/retention-flags.js';
import { CliError } from '../../src/cli/cli-error.js';

test('broker retention options: Java defaults, passed to the store, bad values refused by name', () => {
  const defaults = messageStoreFor(resolveBrokerOptions({ storePath: '/tmp/x' })).config;
  assert.equal(defaults.cleanFileEnable, true);
  assert.equal(defaults.fileReservedTime, 72);
  assert.equal(defaults.deleteWhen, '04');
  assert.equal(defaults.diskMaxUsedSpaceRatio, 75);
  assert.equal(defaults.cleanResourceInterval, 10_000);
  assert.equal(defaults.deleteCommitLogFilesInterval, 100);
  assert.equal(defaults.deleteFileBatchMax, 10);
  const set = messageStoreFor(
    resolveBrokerOptions({
      storePath: '/tmp/x',
      fileReservedTime: 48,
      deleteWhen: '02;14',
      cleanFileEnable: false,
    }),
  ).config;
  assert.deepEqual([set.fileReservedTime, set.deleteWhen, set.cleanFileEnable], [48, '02;14', false]);
  for (const [bad, name] of [
    [{ deleteWhen: '4am' }, /deleteWhen/],
    [{ fileReservedTime: 0 }, /fileReservedTime/],
    [{ diskMaxUsedSpaceRatio: 99 }, /diskMaxUsedSpaceRatio/],
    [{ deleteFileBatchMax: 0 }, /deleteFileBatchMax/],
  ] as const) {
    assert.throws(
      () => resolveBrokerOptions(bad),
      (e: unknown) => e instanceof IllegalArgumentError && name.test(e.message),
    );
  }
});

test('retention flags parse into broker options', () => {
  assert.deepEqual(retentionOptionsFromFlags({}), {
    cleanFileEnable: true,
    fileReservedTime: 72,
    deleteWhen: '04',
    diskMaxUsedSpaceRatio: 75,
  });
  assert.deepEqual(
    retentionOptionsFromFlags({
      'file-reserved-time': '24',
      'delete-when': '03;15',
      'disk-max-used-space-ratio': '60',
      'no-clean-files': true,
    }),
    { cleanFileEnable: false, fileReservedTime: 24, deleteWhen: '03;15', diskMaxUsedSpaceRatio: 60 },
  );
  assert.throws(() => retentionOptionsFromFlags({ 'delete-when': '25' }), CliError);
  assert.throws(() => retentionOptionsFromFlags({ 'disk-max-used-space-ratio': '5' }), CliError);
  assert.throws(() => retentionOptionsFromFlags({ 'file-reserved-time': '0' }), CliError);
});

test('retention must keep the log longer than the longest timer or delay level', () => {
  // fileReservedTime 48 h with Java's timerMaxDelaySec of 3 days: a timer could be deleted before due.
  assert.throws(
    () => resolveBrokerOptions({ storePath: '/tmp/x', fileReservedTime: 48 }),
    /fileReservedTime \(48 h\) keeps the commit log less long than timerMaxDelaySec \(259200 s\)/,
  );
  assert.throws(
    () => resolveBrokerOptions({ storePath: '/tmp/x', fileReservedTime: 1, timerMaxDelaySec: 60 }),
    /the longest messageDelayLevel \(7200 s\)/,
  );
  assert.doesNotThrow(() =>
    resolveBrokerOptions({ storePath: '/tmp/x', fileReservedTime: 48, timerMaxDelaySec: 48 * 3600 }),
  );
  assert.doesNotThrow(() =>
    resolveBrokerOptions({ storePath: '/tmp/x', fileReservedTime: 1, cleanFileEnable: false }),
  );
});
