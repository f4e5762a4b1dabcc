/** Record buffers of single puts (src/server/store/record-slab.ts): disjoint slices, big records apart. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordBuffer } from '../../src/server/store/record-slab.js';

test('slices never overlap, also across slabs, and each is exactly the size asked', () => {
  const taken: Buffer[] = [];
  let size = 1;
  for (let i = 0; i < 2_000; i++) {
    size = (size * 37 + 11) % 4_096 || 1; // 1..4095 bytes: many slabs of 64 KiB
    const b = recordBuffer(size);
    assert.equal(b.length, size);
    b.fill(i & 0xff);
    taken.push(b);
  }
  taken.forEach((b, i) =>
    assert.ok(
      b.every((x) => x === (i & 0xff)),
      `slice ${i} kept its bytes`,
    ),
  );
  const slabs = new Set(taken.map((b) => b.buffer));
  assert.ok(slabs.size > 10, `${slabs.size} slabs used`);
  for (const b of taken.slice(0, 50)) assert.equal(b.byteOffset % 8, 0, 'slices start 8-byte aligned');
});

test('a record over 4 KiB gets a buffer of its own', () => {
  // Start on a fresh slab (at most 64 KiB / 104 B of slices to get there), so `after` surely fits.
  let small = recordBuffer(100);
  for (let i = 0; i < 700 && small.byteOffset !== 0; i++) small = recordBuffer(100);
  assert.equal(small.byteOffset, 0);
  const big = recordBuffer(4_097);
  assert.equal(big.length, 4_097);
  assert.notEqual(big.buffer, small.buffer);
  const after = recordBuffer(100);
  assert.equal(after.buffer, small.buffer, 'the slab goes on after a big record');
});
