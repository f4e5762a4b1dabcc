/**
 * The lines of a child's stdout one at a time: `const next = lines(child.stdout); await next()`.
 * Shared by the side-by-side benchmarks that talk to their broker child line by line.
 */
import { createInterface } from 'node:readline';

export function lines(stream) {
  const queue = [];
  let waiter;
  createInterface({ input: stream }).on('line', (line) => {
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w(line);
    } else queue.push(line);
  });
  return () => (queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((r) => (waiter = r)));
}
