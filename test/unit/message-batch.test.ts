import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IllegalArgumentError, ProtocolError } from '../../src/common/errors.js';
import { decodeBatch, encodeBatch } from '../../src/protocol/message/batch.js';
import { javaHashMapOrder } from '../../src/protocol/java/hash-map.js';
import { decodeProperties, encodeProperties } from '../../src/protocol/message/properties.js';

const J_HEX =
  '00000041000000000000000000000000000000026D3100294B455953016B3102554E49515F4B4559014141414102574149540174' +
  '7275650254414753015461674100000021000000000000000000000005000000026D320009574149540174727565';

function javaOrdered(entries: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of javaHashMapOrder(Object.keys(entries))) out[k] = entries[k]!;
  return out;
}

test('encodeBatch reproduces the [J] 98-byte batch (4.9.8 property form)', () => {
  const body = encodeBatch(
    [
      { body: 'm1', properties: javaOrdered({ TAGS: 'TagA', KEYS: 'k1', UNIQ_KEY: 'AAAA', WAIT: 'true' }) },
      { body: Buffer.from('m2'), flag: 5, properties: { WAIT: 'true' } },
    ],
    { trailingSeparator: false },
  );
  assert.equal(body.length, 98);
  assert.equal(body.toString('hex').toUpperCase(), J_HEX);
});

test('decodeBatch reads the [J] batch', () => {
  const entries = decodeBatch(Buffer.from(J_HEX, 'hex'));
  assert.equal(entries.length, 2);
  assert.deepEqual(entries[0], {
    flag: 0,
    body: Buffer.from('m1'),
    properties: 'KEYS\u0001k1\u0002UNIQ_KEY\u0001AAAA\u0002WAIT\u0001true\u0002TAGS\u0001TagA',
    size: 0x41,
    offset: 0,
  });
  assert.deepEqual(entries[1], {
    flag: 5,
    body: Buffer.from('m2'),
    properties: 'WAIT\u0001true',
    size: 0x21,
    offset: 0x41,
  });
  assert.deepEqual(
    { ...decodeProperties(entries[0]!.properties) },
    { KEYS: 'k1', UNIQ_KEY: 'AAAA', WAIT: 'true', TAGS: 'TagA' },
  );
});

test('batch round trip (random) and pre-encoded property strings', () => {
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let iter = 0; iter < 50; iter++) {
    const inputs = Array.from({ length: 1 + rnd(5) }, () => {
      const body = Buffer.alloc(rnd(200));
      for (let i = 0; i < body.length; i++) body[i] = rnd(256);
      return { body, flag: rnd(1000) - 500, properties: { UNIQ_KEY: String(rnd(1e9)), 中: 'é' } };
    });
    const decoded = decodeBatch(encodeBatch(inputs));
    assert.equal(decoded.length, inputs.length);
    decoded.forEach((d, i) => {
      assert.deepEqual(d.body, inputs[i]!.body);
      assert.equal(d.flag, inputs[i]!.flag);
      assert.deepEqual({ ...decodeProperties(d.properties) }, inputs[i]!.properties);
      assert.ok(d.properties.endsWith('\u0002'));
    });
  }
  assert.equal(decodeBatch(encodeBatch([{ body: 'x', properties: 'A\u0001b' }]))[0]!.properties, 'A\u0001b');
  assert.deepEqual(decodeBatch(Buffer.alloc(0)), []);
  assert.deepEqual(encodeBatch([]), Buffer.alloc(0));
});

test('malformed batch bodies throw ProtocolError', () => {
  const good = Buffer.from(J_HEX, 'hex');
  for (let n = 1; n < good.length; n++) {
    if (n === 0x41) continue; // a clean cut between entries is valid
    assert.throws(() => decodeBatch(good.subarray(0, n)), ProtocolError, `cut at ${n}`);
  }
  const mutate = (off: number, value: number): Buffer => {
    const b = Buffer.from(good);
    b.writeInt32BE(value, off);
    return b;
  };
  assert.throws(() => decodeBatch(mutate(0, 0x40)), ProtocolError); // TOTALSIZE disagrees
  assert.throws(() => decodeBatch(mutate(0, -1)), ProtocolError);
  assert.throws(() => decodeBatch(mutate(0, 1000)), ProtocolError);
  assert.throws(() => decodeBatch(mutate(16, 1000)), ProtocolError); // body length
  assert.throws(() => decodeBatch(mutate(16, -3)), ProtocolError);
});

test('encodeBatch refuses properties over 32767 bytes', () => {
  assert.throws(
    () => encodeBatch([{ body: 'x', properties: { A: 'x'.repeat(40000) } }]),
    IllegalArgumentError,
  );
});

/** The batch body written the plain way: each entry's property string, then all concatenated. */
function plainBatch(inputs: { flag?: number; body: Buffer; properties: Record<string, string> }[]): Buffer {
  return Buffer.concat(
    inputs.map((m) => {
      const props = Buffer.from(encodeProperties(m.properties), 'utf8');
      const head = Buffer.alloc(20);
      head.writeInt32BE(22 + m.body.length + props.length, 0);
      head.writeInt32BE(m.flag ?? 0, 12);
      head.writeInt32BE(m.body.length, 16);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(props.length);
      return Buffer.concat([head, m.body, len, props]);
    }),
  );
}

test('encodeBatch equals the plain encoding: multi-byte text, batches past the reused buffer, results never shared', () => {
  let seed = 11;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  const texts = [
    'v',
    'ü',
    '值',
    '😀x',
    'a'.repeat(300),
    '\u0000',
    'x\ud800',
    '\udc00y',
    'a'.repeat(64) + 'é',
  ];
  const earlier: [Buffer, Buffer][] = [];
  for (const count of [1, 3, 40, 3000, 12_000, 2]) {
    const inputs = Array.from({ length: count }, (_, i) => ({
      flag: rnd(3) - 1,
      body: Buffer.alloc(rnd(200), i & 0xff),
      properties: Object.fromEntries(
        Array.from({ length: rnd(4) }, (_, k) => [
          `k${k}${texts[rnd(texts.length)]}`,
          texts[rnd(texts.length)]!,
        ]),
      ),
    }));
    const encoded = encodeBatch(inputs);
    const expected = plainBatch(inputs);
    assert.ok(encoded.equals(expected), `${count} entries`);
    earlier.push([encoded, expected]);
  }
  assert.ok(earlier[4]![0].length > 1 << 20, "a batch past the kept buffer's limit");
  for (const [encoded, expected] of earlier)
    assert.ok(encoded.equals(expected), 'a later batch changed an earlier one');
  assert.ok(
    encodeBatch([{ body: 'x', properties: { A: 'b', C: 'd' } }], { trailingSeparator: false }).equals(
      Buffer.concat([
        Buffer.from('0000001e00000000000000000000000000000001', 'hex'),
        Buffer.from('x\u0000\u0007A\u0001b\u0002C\u0001d'),
      ]),
    ),
  );
});

test('encodeBatch: own properties only, non-string values as text (as encodeProperties)', () => {
  const inherited = Object.assign(Object.create({ inherited: 'x' }) as Record<string, string>, { A: 'b' });
  const numeric = { N: 5 } as unknown as Record<string, string>;
  for (const properties of [inherited, numeric]) {
    const encoded = encodeBatch([{ body: 'x', properties }]);
    assert.ok(encoded.equals(plainBatch([{ body: Buffer.from('x'), properties }])));
  }
  assert.equal(
    decodeBatch(encodeBatch([{ body: 'x', properties: numeric }]))[0]!.properties,
    'N\u00015\u0002',
  );
});
