/**
 * One ONNX linear (lib/gguf/onnx-weights.ts) -> one GGUF tensor spec over a range of its
 * output rows (a packed qkv projection becomes three tensors). The ggml type is chosen to keep
 * the quantised values:
 *   MatMulNBits 4-bit, no zero points, block a multiple of 32  -> Q4_0
 *   MatMulNBits 4-bit with zero points, block a multiple of 32 -> Q4_1
 *   MatMulNBits 8-bit, no zero points, block a multiple of 32  -> Q8_0
 *   DynamicQuantizeMatMul int8 per channel, no zero point      -> Q8_0 (the row's scale in every block)
 *   float MatMul                                               -> F32 / F16 as stored (transposed)
 * Anything else (block 16, 8-bit with zero points, K not a multiple of 32) is dequantised
 * exactly as ONNX Runtime does into F32, and said so in the report.
 */
import { ModelInvalidError } from '../errors';
import { DataType, type TensorRecord } from '../onnx/records';
import type { TensorBytesReader } from '../onnx/tensor-bytes';
import { halfBitsToFloat } from '../onnx/fp16';
import { GgmlType, type GgmlTypeCode, type GgufTensorSpec } from '../onnx/gguf-writer';
import {
  dequantizeNBitsRow, int8RowToQ8_0, newStats, rowToQ4_0, rowToQ4_1, rowToQ8_0, type ConversionStats, type NBitsRow,
} from './ggml-blocks';
import type { Linear } from './onnx-weights';

export interface TensorConversion {
  /** The GGUF tensor; `name[part]` for one part of a fused tensor (phi3's attn_qkv[q], ffn_up[gate]). */
  tensor: string;
  from: string;
  to: string;
  stats: ConversionStats;
  note?: string;
}

/** Reads `count` floats (FLOAT or FLOAT16 tensor) starting at element `start`. */
export function readFloats(reader: TensorBytesReader, t: TensorRecord, start: number, count: number): Float32Array {
  if (t.dataType === DataType.FLOAT) {
    const b = reader.read(t, start * 4, count * 4);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  }
  if (t.dataType === DataType.FLOAT16) {
    const b = reader.read(t, start * 2, count * 2);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = halfBitsToFloat(b[2 * i] | (b[2 * i + 1] << 8));
    return out;
  }
  throw new ModelInvalidError(`tensor '${t.name}' is ${t.dataType}, not float: the exporter reads float32 or float16 scales, norms and biases`);
}

function chooseType(lin: Linear): { type: GgmlTypeCode; from: string; note?: string } {
  if (lin.kind === 'float') return { type: lin.weight.dataType === DataType.FLOAT16 ? GgmlType.F16 : GgmlType.F32, from: lin.weight.dataType === DataType.FLOAT16 ? 'fp16' : 'fp32' };
  if (lin.K % 32 !== 0) return { type: GgmlType.F32, from: lin.kind, note: `K = ${lin.K} is not a multiple of 32: dequantised into F32 (exact, larger)` };
  if (lin.kind === 'int8') {
    if (lin.zeroPoint) return { type: GgmlType.F32, from: 'int8 per channel with zero point', note: 'int8 with a zero point has no Q8_0 form: dequantised into F32 (exact, larger)' };
    return { type: GgmlType.Q8_0, from: 'int8 per channel' };
  }
  const from = `int${lin.bits} block ${lin.blockSize} ${lin.zeroPoints ? 'asymmetric' : 'symmetric'}`;
  if (lin.blockSize % 32 !== 0) return { type: GgmlType.F32, from, note: `block ${lin.blockSize} is smaller than ggml's 32: dequantised into F32 (exact, larger)` };
  if (lin.bits === 4) return { type: lin.zeroPoints ? GgmlType.Q4_1 : GgmlType.Q4_0, from };
  if (lin.zeroPoints) return { type: GgmlType.F32, from, note: '8-bit blocks with zero points have no ggml form: dequantised into F32 (exact, larger)' };
  return { type: GgmlType.Q8_0, from };
}

const TYPE_NAME: Record<number, string> = { 0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 8: 'Q8_0' };

/**
 * The GGUF tensor `name` holding output rows [r0, r1) of `lin` (ne = [K, r1 - r0]).
 * `conversions` receives the record of what was done (filled in while the bytes stream).
 */
export function linearTensor(reader: TensorBytesReader, lin: Linear, name: string, r0: number, r1: number, conversions: TensorConversion[], permuteRows?: (r: number) => number): GgufTensorSpec {
  const { type, from, note } = chooseType(lin);
  const rows = r1 - r0;
  const K = lin.K;
  const stats = newStats();
  conversions.push({ tensor: name, from, to: TYPE_NAME[type], stats, ...(note ? { note } : {}) });
  const src = (r: number): number => r0 + (permuteRows ? permuteRows(r) : r);
  const write = (emit: (b: Uint8Array) => void): void => {
    if (lin.kind === 'float') {
      // B is [K, N]: column n of B is row n of W. Read the whole [K, N] slab once.
      const el = type === GgmlType.F16 ? 2 : 4;
      const all = reader.read(lin.weight);
      const out = new Uint8Array(rows * K * el);
      for (let r = 0; r < rows; r++) {
        const n = src(r);
        for (let k = 0; k < K; k++) {
          const s = (k * lin.N + n) * el;
          out.set(all.subarray(s, s + el), (r * K + k) * el);
        }
      }
      emit(out);
      return;
    }
    if (lin.kind === 'int8') {
      const all = new Int8Array(reader.read(lin.weight).buffer.slice(0));
      const scales = readFloats(reader, lin.scales, 0, lin.scales.dims.length ? lin.N : 1);
      const values = new Int8Array(K);
      const block = new Uint8Array(type === GgmlType.Q8_0 ? (K / 32) * 34 : K * 4);
      for (let r = 0; r < rows; r++) {
        const n = src(r);
        for (let k = 0; k < K; k++) values[k] = all[k * lin.N + n];
        const scale = scales.length === 1 ? scales[0] : scales[n];
        if (type === GgmlType.Q8_0) int8RowToQ8_0(values, scale, block, stats);
        else { const f = new Float32Array(block.buffer); for (let k = 0; k < K; k++) f[k] = Math.fround(values[k] * scale); }
        emit(block);
      }
      return;
    }
    const kBlocks = Math.ceil(K / lin.blockSize);
    const rowBytes = (kBlocks * lin.blockSize * lin.bits) / 8;
    const zpBytes = Math.ceil((kBlocks * lin.bits) / 8);
    const outRow = type === GgmlType.F32 ? K * 4 : (K / 32) * (type === GgmlType.Q4_0 ? 18 : type === GgmlType.Q4_1 ? 20 : 34);
    const CHUNK = Math.max(1, Math.floor((8 << 20) / rowBytes));
    const zps = new Uint8Array(kBlocks);
    const out = new Uint8Array(outRow * Math.min(CHUNK, rows));
    for (let c0 = 0; c0 < rows; c0 += CHUNK) {
      const count = Math.min(CHUNK, rows - c0);
      // Rows of one chunk are contiguous in the source unless permuted: read them one by one then.
      const contiguous = !permuteRows;
      const packedAll = contiguous ? reader.read(lin.weight, src(c0) * rowBytes, count * rowBytes) : null;
      const scalesAll = contiguous ? readFloats(reader, lin.scales, src(c0) * kBlocks, count * kBlocks) : null;
      const zpAll = contiguous && lin.zeroPoints ? reader.read(lin.zeroPoints, src(c0) * zpBytes, count * zpBytes) : null;
      for (let i = 0; i < count; i++) {
        const n = src(c0 + i);
        const packed = packedAll ? packedAll.subarray(i * rowBytes, (i + 1) * rowBytes) : reader.read(lin.weight, n * rowBytes, rowBytes);
        const scales = scalesAll ? scalesAll.subarray(i * kBlocks, (i + 1) * kBlocks) : readFloats(reader, lin.scales, n * kBlocks, kBlocks);
        let zeroPoints: Uint8Array | null = null;
        if (lin.zeroPoints) {
          const z = zpAll ? zpAll.subarray(i * zpBytes, (i + 1) * zpBytes) : reader.read(lin.zeroPoints, n * zpBytes, zpBytes);
          for (let b = 0; b < kBlocks; b++) zps[b] = lin.bits === 4 ? (z[b >> 1] >> ((b & 1) * 4)) & 0x0f : z[b];
          zeroPoints = zps;
        }
        const row: NBitsRow = { packed, scales, zeroPoints, blockSize: lin.blockSize, K };
        const dst = out.subarray(i * outRow, (i + 1) * outRow);
        if (type === GgmlType.Q4_0) rowToQ4_0(row, dst, stats);
        else if (type === GgmlType.Q4_1) rowToQ4_1(row, dst, stats);
        else if (type === GgmlType.Q8_0) rowToQ8_0(row, dst, stats);
        else dequantizeNBitsRow(row, lin.bits, new Float32Array(dst.buffer, dst.byteOffset, K));
      }
      emit(out.subarray(0, count * outRow));
    }
  };
  return { name, type, ne: [K, rows], write };
}

/** A float initializer (norm weight, bias, embedding table) as F32 or F16, rows [r0, r1) of its first axis. */
export function floatTensor(reader: TensorBytesReader, t: TensorRecord, name: string, conversions: TensorConversion[], r0?: number, r1?: number): GgufTensorSpec {
  const half = t.dataType === DataType.FLOAT16;
  if (!half && t.dataType !== DataType.FLOAT) throw new ModelInvalidError(`tensor '${t.name}' is not float32 or float16: it cannot be carried into GGUF as it is`);
  const el = half ? 2 : 4;
  const inner = t.dims.length > 1 ? t.dims.slice(1).reduce((a, d) => a * d, 1) : 1;
  const first = t.dims.length ? t.dims[0] : 1;
  const a = r0 ?? 0;
  const b = r1 ?? first;
  const ne = t.dims.length > 1 ? [inner, b - a] : [b - a];
  conversions.push({ tensor: name, from: half ? 'fp16' : 'fp32', to: half ? 'F16' : 'F32', stats: newStats() });
  return {
    name, type: half ? GgmlType.F16 : GgmlType.F32, ne,
    write: (emit) => {
      const rowBytes = inner * el;
      const CHUNK = Math.max(1, Math.floor((8 << 20) / rowBytes));
      for (let c = a; c < b; c += CHUNK) emit(reader.read(t, c * rowBytes, Math.min(CHUNK, b - c) * rowBytes));
    },
  };
}
