/**
 * ONNX Runtime's quantised weights -> ggml's blocks, one output row at a time, keeping the
 * quantised values. Layouts:
 *
 *   MatMulNBits (lib/onnx/matmul-nbits.ts): row n, block b, element j of the block:
 *     4-bit: byte b*bs/2 + (j >> 1), low nibble for even j; value = (q - zp) * scale[n, b], zp 8 by default
 *     8-bit: byte b*bs + j;                               value = (q - zp) * scale[n, b], zp 128 by default
 *   ggml (ggml-common.h, ggml-quants.c), 32 elements per block:
 *     Q4_0: fp16 d, qs[16]: element i in the low nibble of qs[i], element i+16 in the high nibble;
 *           value = (q - 8) * d
 *     Q4_1: fp16 d, fp16 m, qs[16] as Q4_0;  value = q * d + m
 *     Q8_0: fp16 d, int8 qs[32];            value = qs * d
 *
 * A MatMulNBits block of 32, 64, 128 or 256 elements becomes 1, 2, 4 or 8 ggml blocks with the
 * same scale, so the values are the same whenever the scale is an fp16 number. Every scale
 * that is not is rounded to fp16 and counted in `ConversionStats` (the export's report).
 */
import { halfBitsToFloat, toHalfBits } from '../onnx/fp16';

export interface ConversionStats {
  /** ggml blocks written. */
  blocks: number;
  /** Blocks whose scale (or Q4_1 minimum) had to be rounded to fp16. */
  roundedScales: number;
  /** Largest relative change of a rounded scale or minimum, |fp16(s) - s| / |s|. */
  maxRelativeChange: number;
}

export function newStats(): ConversionStats { return { blocks: 0, roundedScales: 0, maxRelativeChange: 0 }; }

/** Writes fp16(s) at out[o], out[o+1] and counts a rounding in `stats`. */
function putHalf(out: Uint8Array, o: number, s: number, stats: ConversionStats): void {
  const h = toHalfBits(s);
  const back = halfBitsToFloat(h);
  if (back !== s && !(Number.isNaN(back) && Number.isNaN(s))) {
    stats.roundedScales++;
    const rel = s !== 0 ? Math.abs(back - s) / Math.abs(s) : Infinity;
    if (rel > stats.maxRelativeChange) stats.maxRelativeChange = rel;
  }
  out[o] = h & 0xff;
  out[o + 1] = h >>> 8;
}

export interface NBitsRow {
  /** The row's quantised bytes: kBlocks * blockSize * bits / 8. */
  packed: Uint8Array;
  /** kBlocks scales. */
  scales: ArrayLike<number>;
  /** kBlocks zero points, or null (symmetric: 8 for 4 bits, 128 for 8 bits). */
  zeroPoints: ArrayLike<number> | null;
  blockSize: number;
  K: number;
}

function q4At(row: NBitsRow, k: number): number {
  const b = Math.floor(k / row.blockSize);
  const j = k - b * row.blockSize;
  const byte = row.packed[b * (row.blockSize >> 1) + (j >> 1)];
  return j & 1 ? byte >> 4 : byte & 0x0f;
}

/** A 4-bit symmetric row (zero point 8 everywhere) -> K/32 Q4_0 blocks written into `out` (18 bytes each). */
export function rowToQ4_0(row: NBitsRow, out: Uint8Array, stats: ConversionStats): void {
  for (let g = 0; g < row.K / 32; g++) {
    const k0 = g * 32;
    const o = g * 18;
    putHalf(out, o, row.scales[Math.floor(k0 / row.blockSize)], stats);
    for (let i = 0; i < 16; i++) out[o + 2 + i] = q4At(row, k0 + i) | (q4At(row, k0 + i + 16) << 4);
    stats.blocks++;
  }
}

/** A 4-bit row with zero points -> Q4_1 blocks (20 bytes): d = scale, m = -zp * scale. */
export function rowToQ4_1(row: NBitsRow, out: Uint8Array, stats: ConversionStats): void {
  for (let g = 0; g < row.K / 32; g++) {
    const k0 = g * 32;
    const b = Math.floor(k0 / row.blockSize);
    const o = g * 20;
    const scale = row.scales[b];
    const zp = row.zeroPoints ? row.zeroPoints[b] : 8;
    putHalf(out, o, scale, stats);
    putHalf(out, o + 2, Math.fround(-zp * scale), stats);
    for (let i = 0; i < 16; i++) out[o + 4 + i] = q4At(row, k0 + i) | (q4At(row, k0 + i + 16) << 4);
    stats.blocks++;
  }
}

/** An 8-bit symmetric row (zero point 128) -> Q8_0 blocks (34 bytes): qs = q - 128. */
export function rowToQ8_0(row: NBitsRow, out: Uint8Array, stats: ConversionStats): void {
  for (let g = 0; g < row.K / 32; g++) {
    const k0 = g * 32;
    const o = g * 34;
    putHalf(out, o, row.scales[Math.floor(k0 / row.blockSize)], stats);
    for (let i = 0; i < 32; i++) {
      const k = k0 + i;
      const b = Math.floor(k / row.blockSize);
      out[o + 2 + i] = (row.packed[b * row.blockSize + (k - b * row.blockSize)] - 128) & 0xff;
    }
    stats.blocks++;
  }
}

/** int8 values with one scale for the whole row (DynamicQuantizeMatMul, per channel) -> Q8_0 blocks. */
export function int8RowToQ8_0(values: Int8Array, scale: number, out: Uint8Array, stats: ConversionStats): void {
  for (let g = 0; g < values.length / 32; g++) {
    const o = g * 34;
    putHalf(out, o, scale, stats);
    for (let i = 0; i < 32; i++) out[o + 2 + i] = values[g * 32 + i] & 0xff;
    stats.blocks++;
  }
}

/** Dequantises an n-bit row exactly as MatMulNBits does (the F32 fallback for layouts ggml has no block for). */
export function dequantizeNBitsRow(row: NBitsRow, bits: 4 | 8, out: Float32Array): void {
  const mid = bits === 4 ? 8 : 128;
  for (let k = 0; k < row.K; k++) {
    const b = Math.floor(k / row.blockSize);
    const q = bits === 4 ? q4At(row, k) : row.packed[b * row.blockSize + (k - b * row.blockSize)];
    const zp = row.zeroPoints ? row.zeroPoints[b] : mid;
    out[k] = Math.fround((q - zp) * row.scales[b]);
  }
}

/** Reads Q4_0 block g of a ggml row back: its fp16 scale and 32 values q (0..15), for checks. */
export function readQ4_0Block(bytes: Uint8Array, g: number): { d: number; q: number[] } {
  const o = g * 18;
  const d = halfBitsToFloat(bytes[o] | (bytes[o + 1] << 8));
  const q = new Array<number>(32);
  for (let i = 0; i < 16; i++) { q[i] = bytes[o + 2 + i] & 0x0f; q[i + 16] = bytes[o + 2 + i] >> 4; }
  return { d, q };
}
