/**
 * Seedable PRNG for the flaky upstream. Tests need "25% of requests fail" to be reproducible:
 * with the same seed the same request number gets the same outcome, so a failing test can be
 * replayed by printing its seed.
 *
 * mulberry32 (32-bit state, good enough statistical quality for fault injection, tiny and fast);
 * splitmix32 derives independent streams per request so an outcome depends only on
 * (seed, request index) and not on how many rolls earlier requests happened to consume.
 */

/** A function returning uniform floats in [0, 1). */
export type Rng = () => number;

/** mulberry32 seeded with a 32-bit integer. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** splitmix32 finaliser: mixes (seed, index) into a well-spread 32-bit seed for a sub-stream. */
export function deriveSeed(seed: number, index: number): number {
  let z = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** A random 32-bit seed, for when the caller does not pin one. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296) >>> 0;
}
