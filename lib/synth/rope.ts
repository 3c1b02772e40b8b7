/**
 * Rotary position embedding caches for GroupQueryAttention / RotaryEmbedding:
 * cos_cache and sin_cache of shape [context, rotaryDim / 2] (Su et al., RoFormer, 2021).
 *
 *   inv_freq[i] = theta^(-2i / rotaryDim),  i = 0 .. rotaryDim/2 - 1
 *   cache[p, i] = cos|sin(p * inv_freq[i])
 *
 * Llama 3 scaling (rope_type "llama3", transformers' _compute_llama3_parameters):
 *   wavelen = 2π / inv_freq
 *   wavelen > original / low_freq_factor   -> inv_freq / factor
 *   wavelen < original / high_freq_factor  -> inv_freq
 *   otherwise smooth = (original / wavelen - low) / (high - low),
 *             inv_freq = (1 - smooth) * inv_freq / factor + smooth * inv_freq
 */
import type { RopeSpec } from './shapes';

export function rotaryDim(headSize: number, rope: RopeSpec): number {
  return Math.floor(headSize * rope.partialFactor);
}

export function inverseFrequencies(dim: number, rope: RopeSpec): Float64Array {
  const half = dim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = Math.pow(rope.theta, (-2 * i) / dim);
  const s = rope.llama3;
  if (s) {
    const lowWavelen = s.originalContext / s.lowFreqFactor;
    const highWavelen = s.originalContext / s.highFreqFactor;
    for (let i = 0; i < half; i++) {
      const wavelen = (2 * Math.PI) / inv[i];
      if (wavelen > lowWavelen) inv[i] = inv[i] / s.factor;
      else if (wavelen >= highWavelen) {
        const smooth = (s.originalContext / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        inv[i] = (1 - smooth) * (inv[i] / s.factor) + smooth * inv[i];
      }
    }
  }
  return inv;
}

/** Fills rows [p0, p0 + rows) of the cos and sin caches (each rows * dim/2 floats). */
export function fillRopeRows(inv: Float64Array, p0: number, cos: Float32Array, sin: Float32Array): void {
  const half = inv.length;
  const rows = cos.length / half;
  for (let r = 0; r < rows; r++) {
    const p = p0 + r;
    for (let i = 0; i < half; i++) {
      const angle = p * inv[i];
      cos[r * half + i] = Math.cos(angle);
      sin[r * half + i] = Math.sin(angle);
    }
  }
}
