/**
 * The compressible body the compression benchmarks share: JSON order lines (ids, customers, amounts),
 * cut to exactly `bytes`. Deterministic, so every run and every client compresses the same bytes.
 */
export function jsonBody(bytes: number): Buffer {
  const lines: string[] = [];
  let total = 0;
  for (let i = 0; total < bytes; i++) {
    const line = JSON.stringify({
      orderId: 100000 + i,
      customer: `c-${(i * 7919) % 5003}`,
      amount: (i * 37) % 10007,
    });
    lines.push(line);
    total += line.length + 1;
  }
  return Buffer.from(lines.join('\n')).subarray(0, bytes);
}
