/**
 * Linear layers (y = x W^T) in the three weight formats the builder emits:
 *   fp32 / fp16 : MatMul(x, B) with B = W^T of shape [K, N]
 *   int8        : com.microsoft.DynamicQuantizeMatMul(x, B_q8 [K, N] int8, scales [N]): weights
 *                 symmetric per output channel, activations quantised to uint8 per call
 *   int4        : com.microsoft.MatMulNBits(x, B_q4 [N, kBlocks, blockSize/2], scales [N, kBlocks])
 * Each returns the output name and registers a fill job that streams the weight into
 * the data file, so the graph is planned first and the bytes are written afterwards.
 */
import type { GraphBuilder } from './graph-builder';
import { DataType } from '../onnx/records';
import type { TensorDataWriter } from '../onnx/tensor-data-writer';
import { fillColumn, fillRow } from './weights';
import { int4Layout, quantizeRow } from '../onnx/matmul-nbits';
import { toHalfArray } from '../onnx/fp16';

export type WeightFormat = 'fp32' | 'fp16' | 'int8' | 'int4';

export interface FillJob {
  tensor: string;
  bytes: number;
  run: () => void;
}

export interface LinearContext {
  b: GraphBuilder;
  data: TensorDataWriter;
  jobs: FillJob[];
  format: WeightFormat;
  /** Activations' float type: scales of int4 weights use it too. */
  ioType: typeof DataType.FLOAT | typeof DataType.FLOAT16;
  blockSize: number;
  accuracyLevel: number;
  /** int4 only: scales rounded to fp16 before quantising (exactly representable in GGUF's Q4_0). */
  fp16Scales?: boolean;
}

/** Target bytes per positional write: large enough to be fast, small enough to keep memory flat. */
const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Emits y = x W^T for the logical weight W[N, K] whose values come from `key`.
 * `name` is the node path, `weightName` the initializer's name.
 */
export function linear(ctx: LinearContext, name: string, weightName: string, x: string, K: number, N: number, key: number, output?: string): string {
  if (ctx.format === 'int4') return linearInt4(ctx, name, weightName, x, K, N, key, output);
  if (ctx.format === 'int8') return linearInt8(ctx, name, weightName, x, K, N, key, output);
  return linearFloat(ctx, name, weightName, x, K, N, key, output);
}

/**
 * int8: scale_n = max_k |W[n, k]| / 127, B[k, n] = round(W[n, k] / scale_n) (symmetric, zero
 * point 0, one scale per output channel, as onnxruntime.quantization's quantize_dynamic writes
 * with per_channel=True). Rows of W are generated a block at a time, quantised, and scattered
 * into B = W^T [K, N] one K-row slice per write.
 */
function linearInt8(ctx: LinearContext, name: string, weightName: string, x: string, K: number, N: number, key: number, output?: string): string {
  const qName = `${weightName}_Q8`;
  const sName = `${weightName}_scales`;
  const q = ctx.data.reserve(qName, DataType.INT8, [K, N], K * N);
  const s = ctx.data.reserve(sName, DataType.FLOAT, [N], N * 4);
  ctx.b.initializer(q);
  ctx.b.initializer(s);
  ctx.jobs.push({
    tensor: weightName,
    bytes: q.external.length + s.external.length,
    run: () => {
      const rowsPerBlock = Math.max(1, Math.min(N, Math.floor(CHUNK_BYTES / (K * 4))));
      const row = new Float32Array(K);
      const block = new Int8Array(K * rowsPerBlock); // [K, rows] slice of B
      const scales = new Float32Array(N);
      for (let n0 = 0; n0 < N; n0 += rowsPerBlock) {
        const count = Math.min(rowsPerBlock, N - n0);
        for (let r = 0; r < count; r++) {
          fillRow(row, key, n0 + r, K);
          let max = 0;
          for (let k = 0; k < K; k++) max = Math.max(max, Math.abs(row[k]));
          const scale = max > 0 ? max / 127 : 1;
          scales[n0 + r] = scale;
          for (let k = 0; k < K; k++) block[k * count + r] = Math.round(row[k] / scale);
        }
        for (let k = 0; k < K; k++) {
          const slice = block.subarray(k * count, (k + 1) * count);
          ctx.data.writeAt(q.external.offset + k * N + n0, new Uint8Array(slice.buffer, slice.byteOffset, count));
        }
      }
      ctx.data.writeAt(s.external.offset, scales);
    },
  });
  const outputs = output ? [output] : undefined;
  return ctx.b.node('DynamicQuantizeMatMul', `${name}/DynamicQuantizeMatMul`, [x, qName, sName], { outputs, domain: 'com.microsoft' })[0];
}

function linearFloat(ctx: LinearContext, name: string, weightName: string, x: string, K: number, N: number, key: number, output?: string): string {
  const half = ctx.format === 'fp16';
  const elemBytes = half ? 2 : 4;
  const t = ctx.data.reserve(weightName, half ? DataType.FLOAT16 : DataType.FLOAT, [K, N], K * N * elemBytes);
  ctx.b.initializer(t);
  ctx.jobs.push({
    tensor: weightName,
    bytes: t.external.length,
    run: () => {
      // B = W^T: row k of B is column k of W. Rows are produced in chunks of whole rows.
      const rowsPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / (N * elemBytes)));
      const rows = new Float32Array(rowsPerChunk * N);
      const halves = half ? new Uint16Array(rowsPerChunk * N) : null;
      for (let k0 = 0; k0 < K; k0 += rowsPerChunk) {
        const count = Math.min(rowsPerChunk, K - k0);
        for (let r = 0; r < count; r++) fillColumn(rows.subarray(r * N, (r + 1) * N), key, k0 + r, K);
        const chunk = rows.subarray(0, count * N);
        const out = halves ? toHalfArray(chunk, halves.subarray(0, count * N)) : chunk;
        ctx.data.writeAt(t.external.offset + k0 * N * elemBytes, out);
      }
    },
  });
  const outputs = output ? [output] : undefined;
  return ctx.b.node('MatMul', `${name}/MatMul`, [x, weightName], { outputs })[0];
}

function linearInt4(ctx: LinearContext, name: string, weightName: string, x: string, K: number, N: number, key: number, output?: string): string {
  const layout = int4Layout(N, K, ctx.blockSize);
  const rowBytes = layout.kBlocks * layout.blobSize;
  const scaleHalf = ctx.ioType === DataType.FLOAT16;
  const scaleBytes = scaleHalf ? 2 : 4;
  const qName = `${weightName}_Q4`;
  const sName = `${weightName}_scales`;
  const q = ctx.data.reserve(qName, DataType.UINT8, [N, layout.kBlocks, layout.blobSize], N * rowBytes);
  const s = ctx.data.reserve(sName, ctx.ioType, [N, layout.kBlocks], N * layout.kBlocks * scaleBytes);
  ctx.b.initializer(q);
  ctx.b.initializer(s);
  ctx.jobs.push({
    tensor: weightName,
    bytes: q.external.length + s.external.length,
    run: () => {
      const rowsPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / rowBytes));
      const row = new Float32Array(K);
      const packed = new Uint8Array(rowsPerChunk * rowBytes);
      const scales = new Float32Array(rowsPerChunk * layout.kBlocks);
      const halves = scaleHalf ? new Uint16Array(rowsPerChunk * layout.kBlocks) : null;
      for (let n0 = 0; n0 < N; n0 += rowsPerChunk) {
        const count = Math.min(rowsPerChunk, N - n0);
        for (let r = 0; r < count; r++) {
          fillRow(row, key, n0 + r, K);
          quantizeRow(row, layout, packed.subarray(r * rowBytes), scales.subarray(r * layout.kBlocks), ctx.fp16Scales === true);
        }
        ctx.data.writeAt(q.external.offset + n0 * rowBytes, packed.subarray(0, count * rowBytes));
        const sc = scales.subarray(0, count * layout.kBlocks);
        ctx.data.writeAt(s.external.offset + n0 * layout.kBlocks * scaleBytes, halves ? toHalfArray(sc, halves.subarray(0, sc.length)) : sc);
      }
    },
  });
  const outputs = output ? [output] : undefined;
  return ctx.b.node('MatMulNBits', `${name}/MatMulNBits`, [x, qName, sName], {
    outputs,
    domain: 'com.microsoft',
    attrs: { K, N, bits: 4, block_size: ctx.blockSize, accuracy_level: ctx.accuracyLevel },
  })[0];
}
