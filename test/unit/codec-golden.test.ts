/**
 * Golden bytes written by hand from the layouts (remoting reference §2a/§2b, fastjson 1.2.69 escaping),
 * JSON decoder leniency (§2a table) and the binary null/empty/duplicate rules.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJsonHeader, encodeJsonHeader } from '../../src/protocol/command/index.js';
import { fastjsonString as fastjsonStringOf } from '../../src/protocol/json/fastjson-write.js';

const fastjsonString = (s: string): string => fastjsonStringOf(s, 'plain');
import type { RemotingCommand } from '../../src/protocol/command/index.js';
import { decodeFrame, encodeFrame } from '../../src/protocol/frame/index.js';
import { plain } from '../helpers/commands.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/[^0-9a-f]/gi, ''), 'hex');

const unicodeCommand = (): RemotingCommand => ({
  code: 310,
  language: 'JAVA',
  version: 409,
  opaque: 0x01020304,
  flag: 2,
  remark: 'é中😀\u0001\n\u2028',
  extFields: { k中: 'v😀', c: '\u0000\u001f"\\/\u007f\u0080\u009f\u00a0' },
  body: Buffer.from('b'),
});

describe('golden frames with non-ASCII and control characters', () => {
  it('JSON form', () => {
    const header =
      String.raw`{"code":310,"extFields":{"k中":"v😀","c":"\u0000\u001F\"\\/\u007F\u0080\u009F` +
      '\u00a0' +
      String.raw`"},"flag":2,"language":"JAVA","opaque":16909060,"remark":"é中😀\u0001\n\u2028","serializeTypeCurrentRPC":"JSON","version":409}`;
    const expected = Buffer.concat([hex('000000d9 000000d4'), Buffer.from(header, 'utf8'), hex('62')]);
    assert.equal(Buffer.byteLength(header), 0xd4);
    assert.deepEqual(encodeFrame(unicodeCommand(), 0), expected);
    const decoded = decodeFrame(expected);
    assert.deepEqual(plain(decoded), plain(unicodeCommand()));
    assert.deepEqual(encodeFrame(decoded), expected);
  });

  it('ROCKETMQ form', () => {
    const expected = hex(`
      0000004a 01000045
      0136 00 0199 01020304 00000002
      0000000e c3a9 e4b8ad f09f9880 01 0a e280a8
      00000022
        0004 6be4b8ad 00000005 76f09f9880
        0001 63 0000000c 001f225c2f7fc280c29fc2a0
      62`);
    assert.deepEqual(encodeFrame(unicodeCommand(), 1), expected);
    const decoded = decodeFrame(expected);
    assert.deepEqual(plain(decoded), plain(unicodeCommand()));
    assert.deepEqual(encodeFrame(decoded), expected);
  });

  it('lone surrogates become "?" in both forms, as Java String.getBytes does', () => {
    const command: RemotingCommand = {
      code: 1,
      language: 'JAVA',
      version: 0,
      opaque: 0,
      flag: 0,
      remark: 'a\ud800b\udc00',
    };
    assert.equal(
      encodeJsonHeader(command).toString('latin1'),
      '{"code":1,"flag":0,"language":"JAVA","opaque":0,"remark":"a?b?","serializeTypeCurrentRPC":"JSON","version":0}',
    );
    assert.deepEqual(encodeFrame(command, 1).subarray(8 + 13), hex('00000004 613f623f 00000000'));
  });
});

describe('fastjson string escaping', () => {
  const cases: [string, string][] = [
    ['plain', '"plain"'],
    ['a"b', String.raw`"a\"b"`],
    ['back\\slash', String.raw`"back\\slash"`],
    ['/path/', '"/path/"'],
    ['\b\t\n\f\r', String.raw`"\b\t\n\f\r"`],
    ['\u0000\u0007\u000b\u000e\u001a\u001f', String.raw`"\u0000\u0007\u000B\u000E\u001A\u001F"`],
    ['\u007f\u0085\u009f', String.raw`"\u007F\u0085\u009F"`],
    ['\u00a0é中', '"\u00a0é中"'],
    ['x\u2028y\u2029z', String.raw`"x\u2028y\u2029z"`],
    ['😀', '"😀"'],
    ['', '""'],
  ];
  for (const [input, output] of cases) {
    it(`${JSON.stringify(input)} -> ${output}`, () => {
      assert.equal(fastjsonString(input), output);
      assert.equal(JSON.parse(output), input);
    });
  }
});

describe('JSON decoder leniency', () => {
  const decode = (text: string): RemotingCommand => decodeJsonHeader(Buffer.from(text, 'utf8'));

  it('accepts any key order and ignores unknown keys', () => {
    const c = decode(
      '{"version":1,"zzz":[1,{"a":null}],"opaque":5,"code":3,"flag":1,"serializeTypeCurrentRPC":"JSON","language":"GO"}',
    );
    assert.deepEqual(plain(c), plain({ code: 3, language: 'GO', version: 1, opaque: 5, flag: 1 }));
  });

  it('keeps the arrival key order for re-encoding', () => {
    const text =
      '{"opaque":5,"code":3,"flag":0,"language":"JAVA","version":1,"serializeTypeCurrentRPC":"JSON"}';
    assert.equal(encodeJsonHeader(decode(text)).toString(), text);
  });

  it('reads language by ordinal, and unknown names or codes as null', () => {
    assert.equal(decode('{"language":9}').language, 'GO');
    assert.equal(decode('{"language":0}').language, 'JAVA');
    assert.equal(decode('{"language":13}').language, 'NODE_JS');
    assert.equal(decode('{"language":99}').language, null);
    assert.equal(decode('{"language":"COBOL"}').language, null);
    assert.equal(decode('{"language":null}').language, null);
  });

  it('defaults missing fields: code/flag/version/opaque 0, language JAVA, no remark or extFields', () => {
    assert.deepEqual(
      plain(decode('{}')),
      plain({ code: 0, language: 'JAVA', version: 0, opaque: 0, flag: 0 }),
    );
  });

  it('coerces numeric and boolean extField values to strings and drops nulls', () => {
    const c = decode('{"extFields":{"a":1,"b":true,"c":-2.5,"d":null,"e":"x"}}');
    assert.deepEqual({ ...c.extFields }, { a: '1', b: 'true', c: '-2.5', e: 'x' });
  });

  it('accepts null extFields and remark, keeps an empty remark', () => {
    const c = decode('{"code":1,"extFields":null,"remark":null}');
    assert.equal(c.extFields, undefined);
    assert.equal(c.remark, undefined);
    assert.equal(decode('{"remark":""}').remark, '');
    assert.deepEqual({ ...decode('{"extFields":{}}').extFields }, {});
  });

  it('accepts numbers written as strings and whitespace', () => {
    const c = decode(' { "code" : "105" , "opaque" : -7 } ');
    assert.equal(c.code, 105);
    assert.equal(c.opaque, -7);
  });

  it('a __proto__ extField is a plain entry', () => {
    const c = decode('{"extFields":{"__proto__":"x","a":"b"}}');
    assert.deepEqual(Object.entries(c.extFields!), [
      ['__proto__', 'x'],
      ['a', 'b'],
    ]);
  });

  it('ext fields inherit no names, on every decoder (JSON fast and general, ROCKETMQ)', () => {
    const names = ['toString', 'constructor', 'hasOwnProperty', 'valueOf', '__proto__', '7', 'a'];
    const fields = Object.fromEntries(names.map((n) => [n, `v-${n}`]));
    const json = JSON.stringify({ code: 1, extFields: fields });
    const decoded = [
      decode(json), // the fast path's shape
      decode(` ${json.replace(/,/g, ' , ')}`), // spaces: the general decoder
      decodeFrame(
        encodeFrame({ code: 1, language: 'JAVA', version: 1, opaque: 1, flag: 0, extFields: fields }, 1),
      ),
    ];
    for (const c of decoded) {
      const ext = c.extFields!;
      for (const n of names) assert.ok(Object.hasOwn(ext, n) && ext[n] === `v-${n}`, n);
      // Integer-like names first, then insertion order, as for any object.
      assert.deepEqual(Object.keys(ext), ['7', ...names.filter((n) => n !== '7')]);
      // Their shared prototype can never gain a name every decoded header would then show.
      assert.ok(Object.isFrozen(Object.getPrototypeOf(ext)));
    }
    for (const c of [
      decode('{"code":1,"extFields":{"a":"1"}}'),
      decodeFrame(
        encodeFrame({ code: 1, language: 'JAVA', version: 1, opaque: 1, flag: 0, extFields: { a: '1' } }, 1),
      ),
    ]) {
      const ext = c.extFields!;
      for (const n of [
        'toString',
        'constructor',
        'hasOwnProperty',
        'valueOf',
        '__proto__',
        'isPrototypeOf',
      ]) {
        assert.equal(ext[n], undefined, n);
        assert.equal(n in ext, false, n);
      }
    }
  });
});

describe('ROCKETMQ null, empty and duplicate rules', () => {
  const base: RemotingCommand = { code: 1, language: 'JAVA', version: 409, opaque: 2, flag: 0 };

  it('writes an empty remark as length 0 and skips empty keys and values', () => {
    const frame = encodeFrame({ ...base, remark: '', extFields: { a: '', '': 'x', b: '1' } }, 1);
    assert.deepEqual(
      frame,
      hex('00000021 0100001d 0001 00 0199 00000002 00000000 00000000 00000008 0001 62 00000001 31'),
    );
    const decoded = decodeFrame(frame);
    assert.equal(decoded.remark, undefined);
    assert.deepEqual({ ...decoded.extFields }, { b: '1' });
  });

  it('writes empty extFields as length 0 and reads them back as absent', () => {
    const frame = encodeFrame({ ...base, extFields: {} }, 1);
    assert.deepEqual(frame, hex('00000019 01000015 0001 00 0199 00000002 00000000 00000000 00000000'));
    assert.equal(decodeFrame(frame).extFields, undefined);
  });

  it('keeps the last of duplicate keys', () => {
    const frame = hex(`
      00000031 0100002d 0001 00 0199 00000002 00000000 00000000
      00000018 0001 61 00000001 31 0001 62 00000001 32 0001 61 00000001 33`);
    assert.deepEqual(Object.entries(decodeFrame(frame).extFields!), [
      ['a', '3'],
      ['b', '2'],
    ]);
  });

  it('reads a zero-length value as null (removing an earlier duplicate) and a zero-length key as none', () => {
    const frame = hex(`
      00000037 01000033 0001 00 0199 00000002 00000000 00000000
      0000001e 0001 61 00000001 31 0001 61 00000000 0000 00000001 39 0001 63 00000001 34`);
    assert.deepEqual(Object.entries(decodeFrame(frame).extFields!), [['c', '4']]);
  });

  it('reads an unknown language code as null', () => {
    const frame = hex('00000019 01000015 0001 c8 0199 00000002 00000000 00000000 00000000');
    assert.equal(decodeFrame(frame).language, null);
  });

  it('writes negative opaque, flag and version as two’s complement', () => {
    const frame = encodeFrame({ ...base, opaque: -2, flag: -1, version: -3, code: -4 }, 1);
    assert.deepEqual(frame, hex('00000019 01000015 fffc 00 fffd fffffffe ffffffff 00000000 00000000'));
    assert.deepEqual(
      plain(decodeFrame(frame)),
      plain({ ...base, opaque: -2, flag: -1, version: -3, code: -4 }),
    );
  });
});
