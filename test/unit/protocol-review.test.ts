/**
 * Protocol edge cases found in review: number parsing of custom headers and JSON bodies as Java does it,
 * and bounded cost for hostile input.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderFieldError, ProtocolError } from '../../src/common/errors.js';
import { parseFastjson } from '../../src/protocol/json/index.js';
import { defineHeader } from '../../src/protocol/headers/schema.js';

const Probe = defineHeader('Probe', {
  i: { type: 'int' },
  n: { type: 'number' },
  l: { type: 'long' },
});

describe('custom header numbers (Java Integer.parseInt / Long.parseLong)', () => {
  it('accepts a sign and leading zeros, never yields -0', () => {
    const v = Probe.decode({ i: '-0', n: '-0', l: '-0' });
    assert.ok(Object.is(v.i, 0), `int -0 decoded as ${String(v.i)}`);
    assert.ok(Object.is(v.n, 0), `number -0 decoded as ${String(v.n)}`);
    assert.equal(v.l, 0n);
    assert.deepEqual(Probe.decode({ i: '+0042', n: '+0000000000000000000000000007', l: '+007' }), {
      i: 42,
      n: 7,
      l: 7n,
    });
    assert.equal(Probe.decode({ l: `-${'0'.repeat(40)}9223372036854775808` }).l, -(1n << 63n));
  });

  it('refuses what Java refuses: whitespace, empty, lone sign, overflow', () => {
    for (const raw of [' 1', '1 ', '', '+', '-', '0x10', '1e3', '2147483648']) {
      assert.throws(() => Probe.decode({ i: raw }), HeaderFieldError, `int "${raw}"`);
    }
    for (const raw of ['9223372036854775808', '-9223372036854775809', '1'.repeat(20)]) {
      assert.throws(() => Probe.decode({ l: raw }), HeaderFieldError, `long "${raw}"`);
    }
  });

  it('short plain decimals (the fast path) decode as the general rules do, around every edge', () => {
    // The general rules, written out: Java parseInt / parseLong of ASCII digits with an optional sign.
    const general = (raw: string, max: number): number | undefined => {
      if (!/^[+-]?[0-9]+$/.test(raw)) return undefined;
      const n = Number(raw);
      return n > max || n < -max - 1 ? undefined : n === 0 ? 0 : n;
    };
    const samples = ['0', '7', '00', '07', '10', '99', '123456789', '999999999', '1000000000', '2147483647'];
    samples.push('2147483648', '9007199254740991', '9007199254740992', '٣', '1٣', '12a', 'a', '1.0', '1_0');
    // Timestamps and other 'number' fields take the shortcut up to 15 digits.
    samples.push('999999999999999', '1000000000000000', '1795270636520', '0999999999999999', '9'.repeat(16));
    for (let i = 0; i < 3000; i++) samples.push(String(Math.floor(Math.random() * 10 ** (1 + (i % 17)))));
    samples.push(
      '9223372036854775807',
      '9223372036854775808',
      '-9223372036854775808',
      '00000000000000000001',
    );
    for (const raw of samples) {
      for (const [field, max] of [
        ['i', 2 ** 31 - 1],
        ['n', Number.MAX_SAFE_INTEGER],
      ] as const) {
        const expected = general(raw, max);
        if (expected === undefined) {
          assert.throws(() => Probe.decode({ [field]: raw }), HeaderFieldError, `${field} "${raw}"`);
        } else assert.equal(Probe.decode({ [field]: raw })[field], expected, `${field} "${raw}"`);
      }
      // Longs take the same shortcut up to 15 digits; BigInt of the text is exact for all of them.
      const long = /^[+-]?[0-9]+$/.test(raw) ? BigInt(raw) : undefined;
      if (long === undefined || long >= 2n ** 63n || long < -(2n ** 63n)) {
        assert.throws(() => Probe.decode({ l: raw }), HeaderFieldError, `l "${raw}"`);
      } else assert.equal(Probe.decode({ l: raw }).l, long, `l "${raw}"`);
    }
  });

  it('values a JS caller passes as numbers or booleans are judged by the general rules', () => {
    const loose = (fields: Record<string, unknown>) => Probe.decode(fields as Record<string, string>);
    assert.deepEqual(loose({ i: 5, n: -3 }), { i: 5, n: -3 });
    for (const raw of [5.5, true, 12345678901]) {
      assert.throws(() => loose({ i: raw }), HeaderFieldError, `int ${String(raw)}`);
    }
  });

  it('a megabyte-long long value is refused without BigInt parsing it (quadratic cost)', () => {
    const raw = '7'.repeat(1_000_000);
    const original = globalThis.BigInt;
    const parsedLengths: number[] = [];
    const spy = ((value: unknown) => {
      if (typeof value === 'string') parsedLengths.push(value.length);
      return original(value as string);
    }) as BigIntConstructor;
    globalThis.BigInt = spy;
    try {
      assert.throws(() => Probe.decode({ l: raw }), HeaderFieldError);
    } finally {
      globalThis.BigInt = original;
    }
    assert.deepEqual(parsedLengths, []);
  });
});

describe('fastjson body numbers', () => {
  it('keeps big integers exact up to 1000 digits, refuses longer ones', () => {
    const big = '9'.repeat(1000);
    assert.deepEqual(parseFastjson(`[${big}]`), [BigInt(big)]);
    assert.equal(parseFastjson(`-${big}`), -BigInt(big));
    assert.throws(() => parseFastjson(`[1${big}]`), ProtocolError);
    assert.throws(() => parseFastjson(`{1${big}:1}`), ProtocolError);
  });

  it('a body that is one 4-million-digit number is refused', () => {
    const text = `{"a":${'1'.repeat(4_000_000)}}`;
    assert.throws(() => parseFastjson(text), /integer of 4000000 digits \(at most 1000\)/);
  });
});
