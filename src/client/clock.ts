/**
 * Time and randomness sources of the client policies, injectable so that tests can drive queue
 * selection and fault tolerance with a fake clock and a fixed seed.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Returns a uniformly distributed non-negative int32 (Java `Math.abs(random.nextInt())`-like). */
export type RandomInt = () => number;

export const defaultRandomInt: RandomInt = () => Math.floor(Math.random() * 0x80000000);
