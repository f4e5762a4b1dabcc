/**
 * Test tiers. `npm test` runs the default tier: every test, with the long-running parts (fuzz input
 * counts, kill rounds) cut to a fraction. `npm run test:long` sets RMQ_TEST_TIER=long and runs the
 * files that import this module again at their full counts (scripts/run-tests.mjs finds them by that
 * import), so a file's tiered parts must be chosen here and nowhere else.
 */
export const LONG_TIER = process.env.RMQ_TEST_TIER === 'long';

/** `defaultTier` under `npm test`, `longTier` under `npm run test:long`. */
export function byTier<T>(defaultTier: T, longTier: T): T {
  return LONG_TIER ? longTier : defaultTier;
}
