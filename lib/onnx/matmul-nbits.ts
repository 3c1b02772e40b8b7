/**
 * Round-to-nearest block quantisation in the layout of ONNX Runtime's com.microsoft.MatMulNBits
 * (ContribOperators.md; MLAS q4_dq.cpp). The one implementation of the nibble layout and the
 * scales: synth/ builds int4 models with it and quantize/ rewrites existing models with it.
 *
 * Symmetric int4 (synth's hot path, `quantizeRow`; MLAS symmetric path):
 *
 *   for each output column n and each block of `blockSize` consecutive k:
 *     m     = the element of the block with the largest |v| (sign kept)
 *     scale = m / -8
 *     q     = clamp(round(v / scale + 8), 0, 15)        (zero point 8 when none is given)
 *     v'    = (q - 8) * scale                           (dequantised value)
 *
 *   B[n, block, j] packs elements 2j (low nibble) and 2j+1 (high nibble).
 *   scales[n, block] has the activations' float type.
 * A trailing partial block is padded with zeros (which quantise to q = 8).
 * With `fp16Scales` the scale is rounded to fp16 first (see quantizeRow).
 *
 * The general form (`quantizeBlocks`, any of bits = 4 or 8, symmetric or asymmetric):
 *   qmax = 2^bits - 1, mid = 2^(bits-1)
 *   symmetric : scale = m / -mid, zp = mid (not stored: MatMulNBits' default)
 *   asymmetric: lo = min(0, min v), hi = max(0, max v), scale = (hi - lo) / qmax,
 *               zp = clamp(round(-lo / scale), 0, qmax)          (stored in zero_points)
 *   q = clamp(round(v / scale + zp), 0, qmax),  v' = (q - zp) * scale
 *   8-bit: B[n, block, j] is element j of the block, one byte each.
 *   zero_points[n, ceil(kBlocks * bits / 8)]: 4-bit zero points pack two blocks per byte,
 *   block 2i in the low nibble.
 */

import { halfBitsToFloat, toHalfBits } from './fp16';

export interface Int4Layout {
  N: number;
  K: number;
  blockSize: number;
  /** ceil(K / blockSize) */
  kBlocks: number;
  /** bytes per block: blockSize / 2 */
  blobSize: number;
}

export function int4Layout(N: number, K: number, blockSize: number): Int4Layout {
  if (!Number.isInteger(Math.log2(blockSize)) || blockSize < 16) {
    throw new RangeError(`MatMulNBits block size must be a power of two >= 16, got ${blockSize}`);
  }
  return { N, K, blockSize, kBlocks: Math.ceil(K / blockSize), blobSize: blockSize / 2 };
}

/**
 * Quantises one row W[n, 0..K) (length K) into `packed` (kBlocks * blobSize bytes)
 * and `scales` (kBlocks floats), both written from index 0.
 */
export function quantizeRow(row: Float32Array, layout: Int4Layout, packed: Uint8Array, scales: Float32Array, fp16Scales = false): void {
  const { K, blockSize, kBlocks, blobSize } = layout;
  for (let b = 0; b < kBlocks; b++) {
    const start = b * blockSize;
    const end = Math.min(start + blockSize, K);
    let m = 0;
    let absMax = 0;
    for (let k = start; k < end; k++) {
      const v = row[k];
      const a = v < 0 ? -v : v;
      if (a > absMax) { absMax = a; m = v; }
    }
    // fp16Scales: the scale is rounded to the nearest fp16 before quantising, so it is stored
    // exactly by formats with fp16 scales (llama.cpp's Q4_0: value = (q - 8) * d, d in fp16).
    const scale = fp16Scales ? halfBitsToFloat(toHalfBits(m / -8)) : Math.fround(m / -8);
    const inv = scale !== 0 ? 1 / scale : 0;
    scales[b] = scale;
    const out = b * blobSize;
    if (end - start === blockSize) {
      // Full block (the hot path). v * inv + 8 lies in [0, 16], so truncating x + 0.5 equals
      // C's roundf (half away from zero) and only 16 needs clamping.
      for (let j = 0, k = start; j < blobSize; j++, k += 2) {
        let lo = (row[k] * inv + 8.5) | 0;
        let hi = (row[k + 1] * inv + 8.5) | 0;
        if (lo > 15) lo = 15;
        if (hi > 15) hi = 15;
        packed[out + j] = lo | (hi << 4);
      }
    } else {
      for (let j = 0; j < blobSize; j++) {
        const k0 = start + 2 * j;
        const lo = k0 < end ? quantizeOne(row[k0], inv) : 8;
        const hi = k0 + 1 < end ? quantizeOne(row[k0 + 1], inv) : 8;
        packed[out + j] = lo | (hi << 4);
      }
    }
  }
}

function quantizeOne(v: number, inv: number): number {
  const q = Math.round(v * inv + 8);
  return q < 0 ? 0 : q > 15 ? 15 : q;
}

/** Dequantises one row back to floats: the weights MatMulNBits actually multiplies by. */
export function dequantizeRow(packed: Uint8Array, scales: Float32Array, layout: Int4Layout, out: Float32Array): void {
  const { K, blockSize, kBlocks, blobSize } = layout;
  for (let b = 0; b < kBlocks; b++) {
    const scale = scales[b];
    for (let j = 0; j < blobSize; j++) {
      const byte = packed[b * blobSize + j];
      const k0 = b * blockSize + 2 * j;
      if (k0 < K) out[k0] = Math.fround(((byte & 0x0f) - 8) * scale);
      if (k0 + 1 < K) out[k0 + 1] = Math.fround(((byte >> 4) - 8) * scale);
    }
  }
}

// ---- general: 4 or 8 bits, symmetric or asymmetric ---------------------------------------

export type NBits = 4 | 8;

export interface NBitsLayout extends Int4Layout {
  bits: NBits;
  /** bytes of zero points per row n: ceil(kBlocks * bits / 8) */
  zpBytes: number;
}

export function nbitsLayout(N: number, K: number, blockSize: number, bits: NBits): NBitsLayout {
  if (bits !== 4 && bits !== 8) throw new RangeError(`MatMulNBits here supports 4 or 8 bits, got ${String(bits)}`);
  const base = int4Layout(N, K, blockSize);
  return { ...base, bits, blobSize: (blockSize * bits) / 8, zpBytes: Math.ceil((base.kBlocks * bits) / 8) };
}

/**
 * Quantises one row W[n, 0..K) into `packed` (kBlocks * blobSize bytes), `scales` (kBlocks)
 * and, when given (asymmetric), `zeroPoints` (zpBytes bytes). All written from index 0.
 * `zeroPoints` must be zero-filled by the caller (4-bit points are OR-ed into nibbles).
 */
export function quantizeBlocks(row: Float32Array, layout: NBitsLayout, packed: Uint8Array, scales: Float32Array, zeroPoints: Uint8Array | null): void {
  const { K, blockSize, kBlocks, blobSize, bits } = layout;
  const qmax = (1 << bits) - 1;
  const mid = 1 << (bits - 1);
  for (let b = 0; b < kBlocks; b++) {
    const start = b * blockSize;
    const end = Math.min(start + blockSize, K);
    let scale: number;
    let zp: number;
    if (zeroPoints) {
      let lo = 0;
      let hi = 0;
      for (let k = start; k < end; k++) { const v = row[k]; if (v < lo) lo = v; if (v > hi) hi = v; }
      scale = Math.fround((hi - lo) / qmax);
      zp = scale !== 0 ? Math.min(qmax, Math.max(0, Math.round(-lo / scale))) : 0;
      if (bits === 4) zeroPoints[b >> 1] |= zp << ((b & 1) * 4);
      else zeroPoints[b] = zp;
    } else {
      let m = 0;
      let absMax = 0;
      for (let k = start; k < end; k++) { const v = row[k]; const a = v < 0 ? -v : v; if (a > absMax) { absMax = a; m = v; } }
      scale = Math.fround(m / -mid);
      zp = mid;
    }
    scales[b] = scale;
    const inv = scale !== 0 ? 1 / scale : 0;
    const out = b * blobSize;
    const q = (k: number): number => {
      if (k >= end) return zp; // padding of a partial last block dequantises to 0
      const x = Math.round(row[k] * inv + zp);
      return x < 0 ? 0 : x > qmax ? qmax : x;
    };
    if (bits === 8) {
      for (let j = 0; j < blockSize; j++) packed[out + j] = q(start + j);
    } else {
      for (let j = 0; j < blobSize; j++) packed[out + j] = q(start + 2 * j) | (q(start + 2 * j + 1) << 4);
    }
  }
}

/** Dequantises one row quantised by quantizeBlocks: the weights MatMulNBits multiplies by. */
export function dequantizeBlocks(packed: Uint8Array, scales: Float32Array, zeroPoints: Uint8Array | null, layout: NBitsLayout, out: Float32Array): void {
  const { K, blockSize, kBlocks, blobSize, bits } = layout;
  const mid = 1 << (bits - 1);
  for (let b = 0; b < kBlocks; b++) {
    const zp = !zeroPoints ? mid : bits === 4 ? (zeroPoints[b >> 1] >> ((b & 1) * 4)) & 0x0f : zeroPoints[b];
    const scale = scales[b];
    for (let j = 0; j < blockSize; j++) {
      const k = b * blockSize + j;
      if (k >= K) break;
      const byte = packed[b * blobSize + (bits === 8 ? j : j >> 1)];
      const qv = bits === 8 ? byte : (j & 1) ? byte >> 4 : byte & 0x0f;
      out[k] = Math.fround((qv - zp) * scale);
    }
  }
}
