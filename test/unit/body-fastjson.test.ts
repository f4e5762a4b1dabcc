import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../src/common/errors.js';
import {
  fastjsonString,
  parseFastjson,
  toFastjsonBytes,
  toFastjsonString,
} from '../../src/protocol/json/index.js';

const obj = (entries: [string, unknown][]) => new Map(entries);

test('parse: standard JSON values, order kept, big integers exact', () => {
  assert.deepEqual(
    parseFastjson('{"b":1,"a":[true,false,null,-2.5e1,"x"],"c":{}}'),
    obj([
      ['b', 1],
      ['a', [true, false, null, -25, 'x']],
      ['c', new Map()],
    ]),
  );
  assert.equal(parseFastjson('9007199254740991'), 9007199254740991);
  assert.equal(parseFastjson('9007199254740993'), 9007199254740993n);
  assert.equal(parseFastjson('-9223372036854775808'), -9223372036854775808n);
  assert.equal(parseFastjson(' \n\t"x" \r\n'), 'x');
});

test('parse: fastjson extensions (unquoted keys, single quotes, extra commas, escapes)', () => {
  assert.deepEqual(
    parseFastjson("{0:'a',10:\"b\",007:'c',-1:'d',topic:x_1,$k:1,}".replace('x_1', '"t"')),
    obj([
      ['0', 'a'],
      ['10', 'b'],
      ['7', 'c'],
      ['-1', 'd'],
      ['topic', 't'],
      ['$k', 1],
    ]),
  );
  assert.deepEqual(parseFastjson('[1,,2,]'), [1, 2]);
  assert.deepEqual(parseFastjson('{,"a":1,,"a":2}'), obj([['a', 2]]));
  assert.equal(parseFastjson('"\\u00e9\\u00E9\\/\\\'\\v\\x41\\0\\7\\F"'), "éé/'\vA\0\x07\f");
  assert.equal(parseFastjson("'it\"s'"), 'it"s');
  assert.equal(parseFastjson('"raw\ttab\u0001"'), 'raw\ttab\u0001');
  assert.equal(parseFastjson('undefined'), null);
  assert.equal(parseFastjson(Buffer.from('"中文é"')), '中文é');
});

test('parse: malformed input throws ProtocolError with the offset', () => {
  const cases: [string, RegExp][] = [
    ['', /offset 0/],
    ['{"a":1', /offset 6/],
    ['{"a" 1}', /offset 5/],
    ['{"a":1 "b":2}', /offset 7/],
    ['[1 2]', /offset 3/],
    ['"abc', /unterminated string/],
    ['"\\q"', /bad escape/],
    ['"\\u12"', /bad \\u escape/],
    ['tru', /unexpected/],
    ['{"a":1}x', /after the JSON value/],
    ['-', /bad number/],
    ['{:1}', /expected an object key/],
    ['{"a":}', /unexpected/],
  ];
  for (const [s, re] of cases) {
    assert.throws(
      () => parseFastjson(s),
      (e: unknown) => e instanceof ProtocolError && re.test(e.message),
      s,
    );
  }
});

test('parse: depth and size limits', () => {
  const deep = '['.repeat(50) + ']'.repeat(50);
  assert.doesNotThrow(() => parseFastjson(deep, { maxDepth: 50 }));
  assert.throws(() => parseFastjson(deep, { maxDepth: 49 }), ProtocolError);
  assert.throws(() => parseFastjson('['.repeat(100000)), ProtocolError);
  assert.throws(() => parseFastjson(Buffer.from('"0123456789"'), { maxLength: 11 }), ProtocolError);
  assert.equal(parseFastjson(Buffer.from('"0123456789"'), { maxLength: 12 }), '0123456789');
});

test('parse: maxValues counts every value of the document, nested arrays included', () => {
  // {"a":[[1,2],[3]]}: the object, the outer array, two inner arrays and three numbers = 7 values.
  const doc = '{"a":[[1,2],[3]]}';
  assert.doesNotThrow(() => parseFastjson(doc, { maxValues: 7 }));
  assert.throws(() => parseFastjson(doc, { maxValues: 6 }), /more values than the body may hold/);
  // Per-array caps do not stop nested arrays; the value budget does, at the first value beyond.
  const nested = `[${'[{},{}],'.repeat(1000)}[]]`;
  assert.doesNotThrow(() => parseFastjson(nested, { maxArrayItems: 1001 }));
  assert.throws(() => parseFastjson(nested, { maxArrayItems: 1001, maxValues: 2000 }), ProtocolError);
});

test('write: plain-mode escapes (fastjson defaults)', () => {
  assert.equal(
    fastjsonString('a"b\\c/d\b\t\n\f\r\u0001\u000b\u001f\u007f\u009f\u00a0é中\u2028\u2029😀', 'plain'),
    '"a\\"b\\\\c/d\\b\\t\\n\\f\\r\\u0001\\u000B\\u001F\\u007F\\u009F\u00a0é中\\u2028\\u2029😀"',
  );
  // the name server's 4.9.8 remark, as captured in a JSON header
  assert.equal(
    fastjsonString('topic: X\nSee http://rocketmq.apache.org/docs/faq/ for', 'plain'),
    '"topic: X\\nSee http://rocketmq.apache.org/docs/faq/ for"',
  );
});

test('write: standard-mode escapes (BrowserCompatible)', () => {
  assert.equal(
    fastjsonString('a"b\\c/d\b\t\n\f\r\u0001\u000b\u001f\u007f\u00a0é中\u2028😀', 'standard'),
    '"a\\"b\\\\c\\/d\\b\\t\\n\\f\\r\\u0001\\u000B\\u001F\\u007F\\u00A0\\u00E9\\u4E2D\\u2028\\uD83D\\uDE00"',
  );
});

test('write: beans, maps, arrays, numbers', () => {
  const v = {
    z: 1,
    a: null,
    m: new Map<number, string>([
      [10, 'x'],
      [2, 'y'],
    ]),
    s: new Map([
      ['b', [1, null, 'q']],
      ['a', undefined],
      ['A', []],
    ]),
    big: 9223372036854775807n,
    neg: -0,
    t: true,
  };
  assert.equal(
    toFastjsonString(v, 'plain'),
    '{"z":1,"m":{2:"y",10:"x"},"s":{"b":[1,null,"q"],"A":[]},"big":9223372036854775807,"neg":0,"t":true}',
  );
  assert.equal(
    toFastjsonString(v, 'standard'),
    '{"z":1,"m":{"2":"y","10":"x"},"s":{"A":[],"b":[1,null,"q"]},"big":9223372036854775807,"neg":0,"t":true}',
  );
  assert.equal(toFastjsonBytes('é\ud800x').toString('hex'), Buffer.from('"é?x"').toString('hex'));
});

test('write/parse round trip over random strings in both modes', () => {
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pool = [
    'a',
    'Z',
    '"',
    '\\',
    '/',
    '\n',
    '\u0000',
    '\u001f',
    '\u007f',
    'é',
    '中',
    '\u2028',
    '😀',
    ' ',
    "'",
  ];
  for (let i = 0; i < 300; i++) {
    let s = '';
    const n = Math.floor(rnd() * 12);
    for (let j = 0; j < n; j++) s += pool[Math.floor(rnd() * pool.length)];
    for (const mode of ['plain', 'standard'] as const) {
      const text = toFastjsonString(new Map([[s, [s]]]), mode);
      assert.deepEqual(parseFastjson(text), new Map([[s, [s]]]), JSON.stringify(s));
      assert.equal(JSON.parse(text)[s][0], s); // both modes are valid JSON for string keys
    }
  }
});

test('mutated bodies: decoders either succeed or throw ProtocolError, nothing else', async () => {
  const { decodeTopicRouteData, decodeHeartbeatData, decodeRegisterBrokerBody } =
    await import('../../src/protocol/body/index.js');
  const seeds = [
    '{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911","1":"h:2"},"brokerName":"broker-a","cluster":"C"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}',
    '{"clientID":"c","consumerDataSet":[{"groupName":"G","subscriptionDataSet":[{"codeSet":[1],"subVersion":5,"topic":"T"}]}],"producerDataSet":[{"groupName":"P"}]}',
    '{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"timestamp":1},"topicConfigTable":{"T":{"perm":6,"topicName":"T"}}}}',
  ];
  const decoders = [decodeTopicRouteData, decodeHeartbeatData, decodeRegisterBrokerBody];
  const alphabet = '{}[]:,"\'0123456789-.eE\\u tnfalsrxyz';
  let seed = 99;
  const rnd = (n: number) => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % n;
  for (let i = 0; i < 3000; i++) {
    const k = rnd(seeds.length);
    const chars = [...seeds[k]!];
    for (let m = 1 + rnd(3); m > 0; m--) {
      const at = rnd(chars.length);
      const op = rnd(3);
      if (op === 0) chars.splice(at, 1);
      else if (op === 1) chars.splice(at, 0, alphabet[rnd(alphabet.length)]!);
      else chars[at] = alphabet[rnd(alphabet.length)]!;
    }
    const input = Buffer.from(chars.join(''));
    for (const decode of decoders) {
      try {
        decode(input);
      } catch (err) {
        assert.ok(err instanceof ProtocolError, `${String(err)} for ${input.toString()}`);
      }
    }
  }
});
