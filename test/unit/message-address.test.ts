import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IllegalArgumentError } from '../../src/common/errors.js';
import { bytesToIp, ipToBytes, isIPv6, normalizeIp } from '../../src/protocol/message/address.js';

test('ipToBytes parses IPv4, IPv6 and IPv4-mapped forms', () => {
  assert.equal(ipToBytes('192.168.0.10').toString('hex'), 'c0a8000a');
  assert.equal(ipToBytes('fd00::2').toString('hex'), 'fd000000000000000000000000000002');
  assert.equal(ipToBytes('::').toString('hex'), '0'.repeat(32));
  assert.equal(ipToBytes('::1').toString('hex'), '0'.repeat(31) + '1');
  assert.equal(ipToBytes('1::').toString('hex'), '0001' + '0'.repeat(28));
  assert.equal(ipToBytes('[fe80::1%eth0]').toString('hex'), 'fe80' + '0'.repeat(27) + '1');
  assert.equal(ipToBytes('::ffff:10.0.0.1').toString('hex'), '0a000001');
  assert.equal(ipToBytes('::FFFF:0a00:0001').toString('hex'), '0a000001');
  assert.equal(ipToBytes('64:ff9b::1.2.3.4').toString('hex'), '0064ff9b0000000000000000' + '01020304');
  assert.equal(ipToBytes(new Uint8Array([1, 2, 3, 4])).toString('hex'), '01020304');
  assert.equal(isIPv6('::ffff:1.2.3.4'), false);
  assert.equal(isIPv6('::1'), true);
});

test('bytesToIp writes RFC 5952 text', () => {
  const t = (hex: string): string => bytesToIp(Buffer.from(hex, 'hex'));
  assert.equal(t('0a000001'), '10.0.0.1');
  assert.equal(t('fe800000000000000000000000000001'), 'fe80::1');
  assert.equal(t('20010db8000000010000000000000001'), '2001:db8:0:1::1'); // longest zero run wins
  assert.equal(t('20010db8000000000001000000000001'), '2001:db8::1:0:0:1'); // first on ties
  assert.equal(t('20010db8000100010001000100010001'), '2001:db8:1:1:1:1:1:1');
  assert.equal(t('20010db8000000010001000100010001'), '2001:db8:0:1:1:1:1:1'); // single zero not compressed
  assert.equal(t('00000000000000000000ffff01020304'), '1.2.3.4');
  assert.equal(normalizeIp('FE80:0:0:0:0:0:0:1'), 'fe80::1');
});

test('invalid addresses throw IllegalArgumentError', () => {
  for (const bad of [
    '',
    '1.2.3',
    '1.2.3.256',
    '1.2.3.4.5',
    'a.b.c.d',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    'g::1',
    '12345::',
    'localhost',
    '::1.2.3',
  ]) {
    assert.throws(() => ipToBytes(bad), IllegalArgumentError, bad);
  }
  assert.throws(() => ipToBytes(new Uint8Array(5)), IllegalArgumentError);
  assert.throws(() => bytesToIp(new Uint8Array(3)), IllegalArgumentError);
});
