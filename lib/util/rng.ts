/**
 * Seeded pseudo-random numbers, identical on every machine and Node version
 * (integer arithmetic only until the final float conversion).
 *
 * - splitmix32 hash to derive independent streams from (seed, name):
 *   Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014
 *   (32-bit finaliser from MurmurHash3 fmix32).
 * - mulberry32 for the stream itself (Tommy Ettinger, 2017; passes gjrand 13/14 and PractRand to 2^32).
 */
export type Rng = () => number;

/** MurmurHash3's 32-bit finaliser: a bijective avalanche mix. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over the UTF-16 code units of `text`, mixed with `seed`. */
export function hashSeed(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ fmix32(seed >>> 0)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** A uniform float in [0, 1) per call, 32 bits of state. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream for a named purpose (a tensor, a request) under one seed. */
export function streamFor(seed: number, name: string): Rng {
  return mulberry32(hashSeed(seed, name));
}
