/**
 * Fills the output data file, one tensor at a time, a band at a time: the source weights
 * are read from their external data (or inline bytes) in bands of at most BAND_BYTES and
 * written out as they are quantised or converted, so memory stays near
 * 2 x BAND_BYTES + the graph, whatever the model's size.
 *
 * A MatMul weight B is stored [K, N] (row k holds N outputs); MatMulNBits wants W = B^T one
 * output column n at a time, K values long. A band is B[:, n0:n1] read as K strided pieces
 * (or whole rows when the band is all of N), quantised column by column, and written as the
 * contiguous rows n0..n1 of the packed blocks, scales and zero points.
 */
import { halfBitsToFloat, quantizeBlocks, toHalfArray, type TensorBytesReader, type TensorDataWriter } from '../onnx';
import { DataType } from '../onnx';
import type { StreamJob } from './rewrite-graph';

/** Source bytes per band: small next to any model, large enough that reads stay fast. */
export const BAND_BYTES = 16 * 1024 * 1024;

export interface StreamProgress { doneBytes: number; totalBytes: number; tensor: string }

export async function streamWeights(jobs: readonly StreamJob[], reader: TensorBytesReader, out: TensorDataWriter,
  onProgress?: (p: StreamProgress) => void, signal?: AbortSignal): Promise<void> {
  const totalBytes = jobs.reduce((a, j) => a + (j.kind === 'fill' ? 0 : j.bytes), 0); // progress counts source bytes read
  let doneBytes = 0;
  const band = new Uint8Array(BAND_BYTES);
  for (const job of jobs) {
    const step = (bytes: number) => {
      doneBytes += bytes;
      onProgress?.({ doneBytes, totalBytes, tensor: job.source.name });
    };
    if (job.kind === 'fill') { out.writeAt(job.target.external!.offset, new Uint8Array(job.bytes).fill(job.value)); continue; }
    if (job.kind === 'nbits') await quantizeWeight(job, reader, out, band, step, signal);
    else if (job.kind === 'int8-columns') await quantizeColumns(job, reader, out, band, step, signal);
    else await copyOrConvert(job, reader, out, band, step, signal);
  }
}

/** Between bands: let timers (progress bars) run, and stop when asked to. */
async function breathe(signal?: AbortSignal): Promise<void> {
  await new Promise((r) => setImmediate(r));
  signal?.throwIfAborted();
}

async function copyOrConvert(job: Extract<StreamJob, { kind: 'copy' | 'fp16' }>, reader: TensorBytesReader, out: TensorDataWriter,
  band: Uint8Array, step: (n: number) => void, signal?: AbortSignal): Promise<void> {
  const total = reader.byteLength(job.source);
  const target = job.target.external!;
  for (let at = 0; at < total; at += band.length) {
    const n = Math.min(band.length, total - at);
    const bytes = reader.read(job.source, at, n, band);
    if (job.kind === 'copy') {
      out.writeAt(target.offset + at, bytes);
    } else {
      const floats = new Float32Array(bytes.buffer, bytes.byteOffset, n / 4);
      out.writeAt(target.offset + at / 2, toHalfArray(floats));
    }
    step(n);
    await breathe(signal);
  }
}

async function quantizeWeight(job: Extract<StreamJob, { kind: 'nbits' }>, reader: TensorBytesReader, out: TensorDataWriter,
  band: Uint8Array, step: (n: number) => void, signal?: AbortSignal): Promise<void> {
  const { layout } = job;
  const { K, N, kBlocks, blobSize, zpBytes } = layout;
  const half = job.source.dataType === DataType.FLOAT16;
  const elem = half ? 2 : 4;
  // columns per band: K rows of `width` elements fit in the band
  const width = Math.max(1, Math.min(N, Math.floor(band.length / (K * elem))));
  const source = width === N ? band.subarray(0, K * N * elem) : new Uint8Array(K * width * elem);
  const column = new Float32Array(K);
  const rowBytes = kBlocks * blobSize;
  const packed = new Uint8Array(width * rowBytes);
  const scales = new Float32Array(width * kBlocks);
  const zp = job.zeroPoints ? new Uint8Array(width * zpBytes) : null;
  for (let n0 = 0; n0 < N; n0 += width) {
    const w = Math.min(width, N - n0);
    if (job.rows) {
      // the source is already [N, K] (an embedding table): rows n0..n0+w are one contiguous read
      reader.read(job.source, n0 * K * elem, w * K * elem, source);
    } else if (width === N) reader.read(job.source, 0, K * N * elem, source); // [K, w] band of B, row-major
    else for (let k = 0; k < K; k++) reader.read(job.source, (k * N + n0) * elem, w * elem, source.subarray(k * w * elem));
    const f32 = half ? null : new Float32Array(source.buffer, source.byteOffset, K * w);
    const f16 = half ? new Uint16Array(source.buffer, source.byteOffset, K * w) : null;
    zp?.fill(0);
    for (let j = 0; j < w; j++) {
      if (job.rows) for (let k = 0; k < K; k++) column[k] = f32 ? f32[j * K + k] : halfBitsToFloat(f16![j * K + k]);
      else for (let k = 0; k < K; k++) column[k] = f32 ? f32[k * w + j] : halfBitsToFloat(f16![k * w + j]);
      quantizeBlocks(column, layout, packed.subarray(j * rowBytes), scales.subarray(j * kBlocks), zp ? zp.subarray(j * zpBytes) : null);
    }
    out.writeAt(job.packed.external!.offset + n0 * rowBytes, packed.subarray(0, w * rowBytes));
    const sc = scales.subarray(0, w * kBlocks);
    out.writeAt(job.scales.external!.offset + n0 * kBlocks * (job.halfScales ? 2 : 4), job.halfScales ? toHalfArray(sc) : sc);
    if (zp && job.zeroPoints) out.writeAt(job.zeroPoints.external!.offset + n0 * zpBytes, zp.subarray(0, w * zpBytes));
    step(K * w * elem);
    await breathe(signal);
  }
}

/**
 * int8 with one scale per output column (the MatMulInteger form): scale_n = max_k |B[k, n]| / 127,
 * q = clamp(round(B / scale_n), -127, 127), written back in B's own [K, N] layout.
 */
async function quantizeColumns(job: Extract<StreamJob, { kind: 'int8-columns' }>, reader: TensorBytesReader, out: TensorDataWriter,
  band: Uint8Array, step: (n: number) => void, signal?: AbortSignal): Promise<void> {
  const { K, N } = job;
  const width = Math.max(1, Math.min(N, Math.floor(band.length / (K * 4))));
  const source = width === N ? band.subarray(0, K * N * 4) : new Uint8Array(K * width * 4);
  const q = new Int8Array(K * width);
  const scales = new Float32Array(width);
  for (let n0 = 0; n0 < N; n0 += width) {
    const w = Math.min(width, N - n0);
    if (width === N) reader.read(job.source, 0, K * N * 4, source);
    else for (let k = 0; k < K; k++) reader.read(job.source, (k * N + n0) * 4, w * 4, source.subarray(k * w * 4));
    const f32 = new Float32Array(source.buffer, source.byteOffset, K * w); // [K, w]
    scales.fill(0);
    for (let k = 0; k < K; k++) for (let j = 0; j < w; j++) { const a = Math.abs(f32[k * w + j]); if (a > scales[j]) scales[j] = a; }
    for (let j = 0; j < w; j++) scales[j] = Math.fround(scales[j] / 127);
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < w; j++) {
        const s = scales[j];
        const v = s === 0 ? 0 : Math.round(f32[k * w + j] / s);
        q[k * w + j] = v > 127 ? 127 : v < -127 ? -127 : v;
      }
      out.writeAt(job.quantized.external!.offset + k * N + n0, q.subarray(k * w, (k + 1) * w));
    }
    out.writeAt(job.scales.external!.offset + n0 * 4, scales.subarray(0, w));
    step(K * w * 4);
    await breathe(signal);
  }
}
