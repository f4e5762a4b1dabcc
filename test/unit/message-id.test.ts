import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IllegalArgumentError } from '../../src/common/errors.js';
import {
  UniqueIdGenerator,
  decodeOffsetMessageId,
  decodeUniqueId,
  encodeOffsetMessageId,
  encodeOffsetMessageIds,
  joinOffsetMessageIds,
  selectClientIp,
} from '../../src/protocol/message/message-id.js';

const monthStart = (y: number, m: number): number => new Date(y, m, 1).getTime();

test('unique id: constructed IPv4 example from the reference', () => {
  const now = monthStart(2024, 4) + 86_400_000; // one day into the month
  const gen = new UniqueIdGenerator({
    ip: Buffer.from([192, 168, 0, 10]),
    pid: 12345,
    classLoaderHash: 0x1b6d3586,
    now: () => now,
  });
  for (let i = 0; i < 7; i++) gen.next();
  assert.equal(gen.next(), 'C0A8000A30391B6D358605265C000007');
});

test('unique id: [J] IPv6 layout', () => {
  const now = monthStart(2024, 0) + 0x6a10b31d;
  const gen = new UniqueIdGenerator({
    ip: Buffer.from('fd000000000000000000000000000002', 'hex'),
    pid: 21031,
    classLoaderHash: 0x30946e09,
    now: () => now,
  });
  const first = gen.next();
  assert.equal(first, 'FD000000000000000000000000000002' + '5227' + '30946E09' + '6A10B31D' + '0000');
  assert.equal(first.length, 56);
  assert.ok(gen.next().endsWith('0001'));
  const d = decodeUniqueId(first, now + 1000);
  assert.equal(d.ip, 'fd00::2');
  assert.equal(d.pid, 21031);
  assert.equal(d.classLoaderHash, 0x30946e09);
  assert.equal(d.monthOffset, 0x6a10b31d);
  assert.equal(d.timestamp, now);
  assert.equal(d.counter, 0);
});

test('unique id: pid and counter wrap at 16 bits, hash is int32', () => {
  let t = monthStart(2024, 1) + 5;
  const gen = new UniqueIdGenerator({
    ip: Buffer.from([1, 2, 3, 4]),
    pid: 0x12345,
    classLoaderHash: -1,
    now: () => t,
  });
  const ids: string[] = [];
  for (let i = 0; i < 65537; i++) ids.push(gen.next());
  assert.equal(ids[0], '01020304' + '2345' + 'FFFFFFFF' + '00000005' + '0000');
  assert.ok(ids[65535]!.endsWith('FFFF'));
  assert.ok(ids[65536]!.endsWith('0000'));
  t += 1;
  assert.equal(decodeUniqueId(gen.next(), t + 1).counter, 1);
});

test('unique id: month rollover, late-month uint32 offsets and small clock steps back', () => {
  const start = monthStart(2024, 0); // January: 31 days, so offsets pass 2^31
  let t = start + 30 * 86_400_000;
  const gen = new UniqueIdGenerator({
    ip: Buffer.from([1, 2, 3, 4]),
    pid: 1,
    classLoaderHash: 1,
    now: () => t,
  });
  const late = gen.next();
  assert.equal(late.slice(20, 28), (30 * 86_400_000).toString(16).toUpperCase().padStart(8, '0'));
  assert.equal(decodeUniqueId(late, t + 10).timestamp, t);
  t = monthStart(2024, 1) + 42; // February starts: offset restarts
  assert.equal(gen.next().slice(20, 28), '0000002A');
  t -= 100; // clock stepped back before the month start: clamped to 0
  assert.equal(gen.next().slice(20, 28), '00000000');
});

test('unique id decode: an id from "now" decodes one month early (Java quirk)', () => {
  const now = monthStart(2024, 5) + 1000;
  const gen = new UniqueIdGenerator({
    ip: Buffer.from([1, 2, 3, 4]),
    pid: 1,
    classLoaderHash: 1,
    now: () => now,
  });
  const id = gen.next();
  assert.equal(decodeUniqueId(id, now).timestamp, monthStart(2024, 4) + 1000);
  assert.equal(decodeUniqueId(id, now + 1).timestamp, now);
});

test('unique id defaults: 32 or 56 uppercase hex chars', () => {
  const id = new UniqueIdGenerator().next();
  assert.match(id, /^([0-9A-F]{32}|[0-9A-F]{56})$/);
  assert.equal(decodeUniqueId(id).pid, process.pid & 0xffff);
});

test('selectClientIp follows UtilAll.getIP', () => {
  const v4 = (address: string) => ({ address, family: 'IPv4' });
  const v6 = (address: string) => ({ address, family: 'IPv6' });
  const pick = (list: { address: string; family: string }[]) => selectClientIp(list)?.toString('hex');
  assert.equal(pick([v4('127.0.0.1'), v4('10.0.0.5'), v4('8.8.8.8')]), '08080808');
  assert.equal(pick([v4('127.0.0.1'), v4('10.0.0.5'), v4('192.168.1.1')]), '0a000005');
  assert.equal(pick([v4('127.0.0.1')]), '7f000001');
  assert.equal(
    pick([v6('::1'), v6('fe80::1'), v6('fec0::1'), v4('172.16.0.1'), v6('fd00::2')]),
    'fd000000000000000000000000000002',
  );
  assert.equal(pick([v4('172.32.0.1')]), 'ac200001');
  assert.equal(pick([]), undefined);
});

test('offset message id: [J] vectors', () => {
  assert.equal(
    encodeOffsetMessageId({ ip: '10.0.0.1', port: 10911 }, 1024n),
    '0A00000100002A9F0000000000000400',
  );
  assert.equal(
    encodeOffsetMessageId({ ip: Buffer.from([10, 0, 0, 1]), port: 10911 }, 1024n),
    '0A00000100002A9F0000000000000400',
  );
  assert.equal(
    encodeOffsetMessageId({ ip: 'fe80::1', port: 10911 }, 1n << 40n),
    'FE80000000000000000000000000000100002A9F0000010000000000',
  );
  assert.deepEqual(decodeOffsetMessageId('0A00000100002A9F0000000000000400'), {
    address: '10.0.0.1:10911',
    ip: '10.0.0.1',
    port: 10911,
    commitLogOffset: 1024n,
  });
  assert.deepEqual(decodeOffsetMessageId('fe80000000000000000000000000000100002a9f0000010000000000'), {
    address: 'fe80::1:10911',
    ip: 'fe80::1',
    port: 10911,
    commitLogOffset: 1n << 40n,
  });
  // IPv4-mapped store host encodes as IPv4.
  assert.equal(
    encodeOffsetMessageId({ ip: '::ffff:10.0.0.1', port: 10911 }, 1024n),
    '0A00000100002A9F0000000000000400',
  );
});

test('offset message id round trips', () => {
  for (const ip of ['1.2.3.4', '255.255.255.255', '2001:db8::1', '::', '1:2:3:4:5:6:7:8']) {
    for (const off of [0n, 1n, 123456789012345n, (1n << 63n) - 1n]) {
      const d = decodeOffsetMessageId(encodeOffsetMessageId({ ip, port: 65535 }, off));
      assert.equal(d.commitLogOffset, off);
      assert.equal(d.port, 65535);
      assert.equal(d.ip, ip);
    }
  }
});

test('malformed ids throw IllegalArgumentError', () => {
  for (const id of [
    '',
    'XYZ',
    '0A00000100002A9F000000000000040',
    '0A00000100002A9F000000000000040G',
    '0A'.repeat(20),
  ]) {
    assert.throws(() => decodeOffsetMessageId(id), IllegalArgumentError);
    assert.throws(() => decodeUniqueId(id), IllegalArgumentError);
  }
  assert.throws(() => encodeOffsetMessageId({ ip: 'not-an-ip', port: 1 }, 0n), IllegalArgumentError);
  assert.throws(() => encodeOffsetMessageId({ ip: Buffer.alloc(5), port: 1 }, 0n), IllegalArgumentError);
  assert.throws(() => new UniqueIdGenerator({ ip: Buffer.alloc(6) }), IllegalArgumentError);
});

test('encodeOffsetMessageIds gives encodeOffsetMessageId of each offset, IPv4 and IPv6 hosts alike', () => {
  const offsets = [0n, 1n, 1024n, 0xabcdef12345n, 0x7fff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, -5n];
  for (const host of [
    { ip: '10.0.0.1', port: 10911 },
    { ip: '2001:db8::7', port: 30911 },
  ]) {
    assert.deepEqual(
      encodeOffsetMessageIds(host, offsets),
      offsets.map((offset) => encodeOffsetMessageId(host, offset)),
    );
  }
  assert.deepEqual(encodeOffsetMessageIds({ ip: '10.0.0.1', port: 1 }, []), []);
});

test('joinOffsetMessageIds is the comma-joined encodeOffsetMessageId of each offset held as a number', () => {
  const offsets = [
    0,
    1,
    15,
    16,
    1024,
    0xffff_ffff,
    0x1_0000_0000,
    0xabc_def1_2345,
    Number.MAX_SAFE_INTEGER,
    ...Array.from({ length: 200 }, () => Math.floor(Math.random() * Number.MAX_SAFE_INTEGER)),
    ...Array.from({ length: 200 }, () => Math.floor(Math.random() * 0x1_0000_0000)),
  ];
  for (const host of [
    { ip: '10.0.0.1', port: 10911 },
    { ip: '192.168.255.254', port: -1 },
    { ip: '2001:db8::7', port: 30911 },
  ]) {
    const expected = offsets.map((offset) => encodeOffsetMessageId(host, BigInt(offset))).join(',');
    assert.equal(joinOffsetMessageIds(host, offsets), expected);
    assert.equal(joinOffsetMessageIds(host, [offsets[7]!]), encodeOffsetMessageId(host, BigInt(offsets[7]!)));
    // Offsets no commit log has (negative) take the BigInt path and give the same ids.
    assert.equal(
      joinOffsetMessageIds(host, [3, -5]),
      [3n, -5n].map((offset) => encodeOffsetMessageId(host, offset)).join(','),
    );
  }
  assert.equal(joinOffsetMessageIds({ ip: '10.0.0.1', port: 1 }, []), '');
  // Past the scratch buffer (64 KiB of ids), then within it again: each answer is whole and its own.
  const host = { ip: '10.0.0.1', port: 10911 };
  const many = Array.from({ length: 2500 }, (_, i) => i * 1000);
  const manyIds = joinOffsetMessageIds(host, many);
  assert.equal(manyIds, many.map((o) => encodeOffsetMessageId(host, BigInt(o))).join(','));
  const few = joinOffsetMessageIds(host, [1, 2]);
  assert.equal(few, [1n, 2n].map((o) => encodeOffsetMessageId(host, o)).join(','));
  assert.equal(joinOffsetMessageIds(host, [3]), encodeOffsetMessageId(host, 3n));
  assert.equal(few, [1n, 2n].map((o) => encodeOffsetMessageId(host, o)).join(','), 'not overwritten');
});

test('joinOffsetMessageIds: the host part follows every change of host, an ip given as bytes changed in place too', () => {
  const ip = Buffer.from([10, 0, 0, 1]);
  const offsets = new Float64Array([5, 0x1_0000_0000]); // a store put's offsets come as a typed array
  const expect = (host: { ip: Buffer | string; port: number }): string =>
    Array.from(offsets, (o) => encodeOffsetMessageId(host, BigInt(o))).join(',');
  const hosts = [
    { ip, port: 10911 },
    { ip, port: 10912 },
    { ip: '10.0.0.1', port: 10912 },
    { ip: '10.0.0.2', port: 10912 },
    { ip: Buffer.from([10, 0, 0, 2]), port: 10912 },
  ];
  for (const host of hosts) assert.equal(joinOffsetMessageIds(host, offsets), expect(host));
  const asked = { ip, port: 10911 };
  assert.equal(joinOffsetMessageIds(asked, offsets), expect(asked));
  ip[3] = 9; // same buffer, new address
  assert.equal(joinOffsetMessageIds(asked, offsets), expect({ ip: '10.0.0.9', port: 10911 }));
  // An invalid ip is refused whatever host came before (an empty one once matched the cached host).
  joinOffsetMessageIds({ ip: '10.0.0.1', port: 10911 }, offsets);
  assert.throws(() => joinOffsetMessageIds({ ip: new Uint8Array(0), port: 10911 }, offsets), /0 bytes/);
});
