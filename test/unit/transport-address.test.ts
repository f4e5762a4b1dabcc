/** "host:port" parsing as RocketMQ writes addresses: IPv6 with or without brackets (split at the last ':'). */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { IllegalArgumentError } from '../../src/common/errors.js';
import { formatAddress, parseAddress } from '../../src/transport/address.js';

it('parses IPv4, bracketed and bare IPv6 (Java writes both), host names', () => {
  assert.deepEqual(parseAddress('127.0.0.1:10911'), { host: '127.0.0.1', port: 10911 });
  assert.deepEqual(parseAddress('[::1]:9876'), { host: '::1', port: 9876 });
  assert.deepEqual(parseAddress('::1:9876'), { host: '::1', port: 9876 });
  assert.deepEqual(parseAddress('0:0:0:0:0:0:0:1:9876'), { host: '0:0:0:0:0:0:0:1', port: 9876 });
  assert.deepEqual(parseAddress('[fe80::1%eth0]:1'), { host: 'fe80::1%eth0', port: 1 });
  assert.deepEqual(parseAddress(' broker-a.local:10911 '), { host: 'broker-a.local', port: 10911 });
  assert.deepEqual(parseAddress(formatAddress('::ffff:10.0.0.1', 5)), { host: '10.0.0.1', port: 5 });
  assert.deepEqual(parseAddress(formatAddress('fd00::2', 6)), { host: 'fd00::2', port: 6 });
});

it('refuses addresses without a usable host or port', () => {
  for (const bad of [
    '::1',
    '[::1]',
    '[]:1',
    ':9876',
    'a:b:9876',
    'host:',
    'host:65536',
    'host:+1',
    'host:1 2',
    '',
  ]) {
    assert.throws(() => parseAddress(bad), IllegalArgumentError, JSON.stringify(bad));
  }
});
