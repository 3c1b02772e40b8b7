/**
 * Symmetric round-to-nearest int4 quantisation in the layout of ONNX Runtime's
 * com.microsoft.MatMulNBits (ContribOperators.md; MLAS q4_dq.cpp, symmetric path):
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
 */

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
export function quantizeRow(row: Float32Array, layout: Int4Layout, packed: Uint8Array, scales: Float32Array): void {
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
    const scale = Math.fround(m / -8);
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
