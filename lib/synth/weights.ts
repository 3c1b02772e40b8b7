/**
 * Seeded synthetic weights. Every value is a pure function of (seed, tensor name, index),
 * a counter-based generator (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
 * SC 2011), so a matrix can be produced in any order: row-major for MatMul's [K, N] layout,
 * column blocks for MatMulNBits' [N, K] layout, and the same logical weights either way.
 */
import { fmix32, hashSeed } from '../util/rng';

/** Initialiser scale: HF's initializer_range default (std 0.02). */
export const WEIGHT_STD = 0.02;
const UNIFORM_HALF_WIDTH = WEIGHT_STD * Math.sqrt(3); // uniform(-a, a) has std a / sqrt(3)

export function tensorKey(seed: number, name: string): number {
  return hashSeed(seed, name);
}

/** Uniform value in [-a, a) for element `index` of the tensor keyed `key`. */
export function weightAt(key: number, index: number): number {
  const h = fmix32(Math.imul(index ^ key, 0x9e3779b1) ^ (key >>> 7));
  return (h / 4294967296 * 2 - 1) * UNIFORM_HALF_WIDTH;
}

/**
 * Fills `out` with W[n, k0 .. k0 + out.length) of a logical weight W[N, K]
 * (PyTorch's Linear layout: one row per output feature).
 */
export function fillRow(out: Float32Array, key: number, n: number, K: number, k0 = 0): void {
  const base = n * K + k0;
  for (let i = 0; i < out.length; i++) {
    const h = fmix32(Math.imul((base + i) ^ key, 0x9e3779b1) ^ (key >>> 7));
    out[i] = (h / 4294967296 * 2 - 1) * UNIFORM_HALF_WIDTH;
  }
}

/** Fills `out` (length N) with the column W[:, k] (i.e. row k of MatMul's B = W^T). */
export function fillColumn(out: Float32Array, key: number, k: number, K: number): void {
  for (let n = 0; n < out.length; n++) {
    const h = fmix32(Math.imul((n * K + k) ^ key, 0x9e3779b1) ^ (key >>> 7));
    out[n] = (h / 4294967296 * 2 - 1) * UNIFORM_HALF_WIDTH;
  }
}
