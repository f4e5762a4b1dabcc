/**
 * Rotating index used for round-robin choices (Java ThreadLocalIndex; Node has one thread, so one
 * counter per owner). It starts at a random non-negative int, is pre-incremented on every call with
 * int32 wrap-around, and hands out `value & 0x7FFFFFFF`.
 */
import { defaultRandomInt } from '../clock.js';
import type { RandomInt } from '../clock.js';

const POSITIVE_MASK = 0x7fffffff;

export class QueueIndex {
  private value: number | undefined;

  constructor(private readonly random: RandomInt = defaultRandomInt) {}

  /** Next index, always in [0, 2^31). */
  next(): number {
    if (this.value === undefined) this.value = Math.abs(this.random() | 0) | 0;
    this.value = (this.value + 1) | 0;
    return this.value & POSITIVE_MASK;
  }

  /** Forget the position; the next call starts again from a random value (5.x `reset`). */
  reset(): void {
    this.value = undefined;
  }
}
