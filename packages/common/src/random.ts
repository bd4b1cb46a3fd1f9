/**
 * A small seeded pseudo-random generator (mulberry32), uniform in [0, 1). The same seed gives
 * the same sequence on every machine, so generated inputs and randomized tests can be repeated.
 * Not for cryptography.
 *
 * @example
 * ```ts
 * import { seededRandom } from '@kiln/common';
 * const next = seededRandom(42);
 * const data = Float32Array.from({ length: 4 }, () => next() * 2 - 1);
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
