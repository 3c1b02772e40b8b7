/**
 * Opt-in int8 prefill (`prefillWeights: 'int8'`): a second ONNX Runtime session, used only for
 * multi-token runs (prompts, chunks), whose MatMulNBits weights are replaced by an int8 copy
 * behind com.microsoft.DynamicQuantizeMatMul; its KV cache feeds the model's own session, which
 * decodes. Why: on AMX CPUs (Sapphire Rapids) ONNX Runtime's u8s8 int8 GEMM, which
 * DynamicQuantizeMatMul runs on, uses AMX, while MatMulNBits' int4 kernels do not (onnxruntime
 * `core/mlas/lib/platform.cpp`); see docs/prefill-and-batching.md. It changes the logits, so it
 * is never on by default and every result that used it says so.
 *
 * The int8 copy is built at load, in memory, from the int4 weights themselves (not from some
 * float original the folder may not have): each MatMulNBits B [N, kBlocks, blob] is dequantised
 * (lib/onnx/matmul-nbits.ts, dequantizeBlocks: the very weights MatMulNBits multiplies by) and
 * requantised symmetric per output column, W8 [K, N] int8, scale [N] = max|W[:, n]| / 127 (the
 * form lib/synth/linear.ts writes for int8 twins). The other initializers stay where they are
 * (the external data file is read by ONNX Runtime through the folder, as for the
 * last-position rewrite in decoder-session.ts); int4 weights no other node reads are dropped.
 * Cost: about one byte per weight of memory beside the int4 session (0.5B: ~0.5 GB).
 */
import * as path from 'node:path';
import { DataType, decodeModel, dequantizeBlocks, encodeModel, halfBitsToFloat, nbitsLayout, TensorBytesReader, type ModelRecord, type NBitsLayout, type NodeRecord, type TensorRecord } from '../onnx';
import { ModelInvalidError } from '../errors';

/** Which weights prefill runs with: the model's own (default) or an int8 copy (opt-in, changes the logits). */
export type PrefillWeights = 'model' | 'int8';

export const PREFILL_WEIGHTS: readonly PrefillWeights[] = ['model', 'int8'];

/** A request for int8 prefill that cannot be met: the reason says what differs and what to do. */
export class Int8PrefillRefusedError extends ModelInvalidError {}

export interface Int8PrefillGraph {
  /** The int8 graph, ready for InferenceSession.create(bytes) with the folder as external-data path. */
  bytes: Uint8Array;
  /** MatMulNBits nodes turned into DynamicQuantizeMatMul. */
  converted: number;
  /** MatMulNBits nodes left as they were, with the reason (none on the builder's graphs). */
  kept: string[];
}

/** Columns converted together (see the transpose in int8PrefillGraph). */
const TILE = 64;

/** Protobuf's 2 GiB limit on one message: an inline int8 copy larger than this cannot be encoded. */
const MAX_INLINE_BYTES = 1.9 * 1024 ** 3;

/**
 * The int8-prefill graph of `model` (decoded from `onnxPath`; the caller may have rewritten it
 * already, e.g. for last-position logits). Throws Int8PrefillRefusedError when nothing can be
 * converted.
 */
export function int8PrefillGraph(model: ModelRecord, onnxPath: string): Int8PrefillGraph {
  const g = model.graph;
  // DynamicQuantizeMatMul takes float32 activations only (onnxruntime ContribOperators.md).
  const half = g.inputs.find((i) => i.name.startsWith('past_key_values'))?.dataType === DataType.FLOAT16;
  if (half) throw new Int8PrefillRefusedError(`'${onnxPath}' computes in float16 (its KV cache is float16), and ONNX Runtime's int8 GEMM (DynamicQuantizeMatMul) takes float32 activations: int8 prefill is for float32 int4 models; load with prefillWeights 'model'`);
  const byName = new Map(g.initializers.map((t) => [t.name, t]));
  const reader = new TensorBytesReader(path.dirname(onnxPath));
  const kept: string[] = [];
  const added: TensorRecord[] = [];
  let inlineBytes = 0;
  let converted = 0;
  try {
    const nodes = g.nodes.map((n): NodeRecord => {
      if (n.opType !== 'MatMulNBits') return n;
      const why = unconvertible(n, byName);
      if (why) { kept.push(`${n.name}: ${why}`); return n; }
      const K = intAttr(n, 'K'), N = intAttr(n, 'N'), bits = intAttr(n, 'bits'), block = intAttr(n, 'block_size');
      const layout = nbitsLayout(N, K, block, bits as 4 | 8);
      const B = byName.get(n.inputs[1])!;
      const S = byName.get(n.inputs[2])!;
      const Z = n.inputs[3] ? byName.get(n.inputs[3])! : null;
      inlineBytes += K * N + N * 4;
      if (inlineBytes > MAX_INLINE_BYTES) throw new Int8PrefillRefusedError(`the int8 copy of this model's weights is larger than ${(MAX_INLINE_BYTES / 1024 ** 3).toFixed(1)} GiB, more than one in-memory ONNX graph can hold: use prefillWeights 'model' for models this large`);
      const packed = reader.read(B);
      const scales = floats(reader.read(S), S.dataType);
      const zps = Z ? reader.read(Z) : null;
      const { q, colScale } = requantize(packed, scales, zps, layout);
      const qName = `${B.name}/slmlab_int8`;
      const sName = `${B.name}/slmlab_int8_scale`;
      added.push(
        { name: qName, dataType: DataType.INT8, dims: [K, N], raw: new Uint8Array(q.buffer) },
        { name: sName, dataType: DataType.FLOAT, dims: [N], raw: new Uint8Array(colScale.buffer) },
      );
      converted++;
      const bias = n.inputs[5] ?? '';
      return { opType: 'DynamicQuantizeMatMul', domain: 'com.microsoft', name: `${n.name}/slmlab_int8`, inputs: bias ? [n.inputs[0], qName, sName, '', bias] : [n.inputs[0], qName, sName], outputs: n.outputs, attributes: {} };
    });
    if (!converted) throw new Int8PrefillRefusedError(`no MatMulNBits weight of '${onnxPath}' can be copied to int8${kept.length ? ` (${kept.slice(0, 3).join('; ')})` : ': the model is not int4/int8 MatMulNBits'}: int8 prefill is for int4 models; load with prefillWeights 'model'`);
    const read = new Set(nodes.flatMap((n) => n.inputs));
    const initializers = [...g.initializers.filter((t) => read.has(t.name)), ...added];
    const opsets = model.opsets.some((o) => o.domain === 'com.microsoft') ? model.opsets : [...model.opsets, { domain: 'com.microsoft', version: 1 }];
    return { bytes: encodeModel({ ...model, opsets, graph: { ...g, nodes, initializers } }), converted, kept };
  } finally {
    reader.close();
  }
}

/** int8PrefillGraph of the .onnx file as it is on disk. */
export function int8PrefillGraphOf(onnxPath: string, bytes: Uint8Array): Int8PrefillGraph {
  return int8PrefillGraph(decodeModel(bytes), onnxPath);
}

/**
 * MatMulNBits' B [N, kBlocks, blob] (+ scales, zero points) -> int8 W [K, N] with one symmetric
 * scale per column, max|W[:, n]| / 127. Columns go in tiles of TILE: B is stored by column, the
 * copy by row; a tile is quantised by column, then transposed (TILE neighbouring bytes per k),
 * which keeps both passes cache-friendly.
 */
function requantize(packed: Uint8Array, scales: Float32Array, zps: Uint8Array | null, layout: NBitsLayout): { q: Int8Array; colScale: Float32Array } {
  const { K, N, kBlocks, blobSize, zpBytes } = layout;
  const rowBytes = kBlocks * blobSize;
  const q = new Int8Array(K * N);
  const colScale = new Float32Array(N);
  const w = new Float32Array(K);
  const qt = new Int8Array(TILE * K);
  for (let c0 = 0; c0 < N; c0 += TILE) {
    const n = Math.min(TILE, N - c0);
    for (let j = 0; j < n; j++) {
      const c = c0 + j;
      if (layout.bits === 4 && !zps) dequantize4(packed, c * rowBytes, scales, c * kBlocks, layout, w);
      else dequantizeBlocks(packed.subarray(c * rowBytes, (c + 1) * rowBytes), scales.subarray(c * kBlocks, (c + 1) * kBlocks), zps ? zps.subarray(c * zpBytes, (c + 1) * zpBytes) : null, layout, w);
      let max = 0;
      for (let k = 0; k < K; k++) { const a = Math.abs(w[k]); if (a > max) max = a; }
      const scale = max > 0 ? max / 127 : 1;
      colScale[c] = scale;
      const inv = 1 / scale;
      const o = j * K;
      for (let k = 0; k < K; k++) qt[o + k] = Math.round(w[k] * inv);
    }
    for (let k = 0; k < K; k++) {
      const row = k * N + c0;
      for (let j = 0; j < n; j++) q[row + j] = qt[j * K + k];
    }
  }
  return { q, colScale };
}

/** dequantizeBlocks for the common case, 4 bits without zero points (zero point 8), without subarrays. */
function dequantize4(packed: Uint8Array, at: number, scales: Float32Array, scaleAt: number, layout: NBitsLayout, out: Float32Array): void {
  const { K, blockSize, kBlocks, blobSize } = layout;
  for (let b = 0; b < kBlocks; b++) {
    const scale = scales[scaleAt + b];
    const base = at + b * blobSize;
    const k0 = b * blockSize;
    const end = Math.min(blockSize, K - k0);
    for (let j = 0; j < end; j += 2) {
      const byte = packed[base + (j >> 1)];
      out[k0 + j] = Math.fround(((byte & 0x0f) - 8) * scale);
      if (j + 1 < end) out[k0 + j + 1] = Math.fround(((byte >> 4) - 8) * scale);
    }
  }
}

function intAttr(n: NodeRecord, name: string): number {
  const a = n.attributes[name];
  return a && a.kind === 'int' ? Number(a.value) : NaN;
}

/** Why a MatMulNBits node cannot be copied to int8 (null when it can). */
function unconvertible(n: NodeRecord, init: Map<string, TensorRecord>): string | null {
  const bits = intAttr(n, 'bits');
  if (bits !== 4 && bits !== 8) return `${bits} bits (4 or 8 are read)`;
  if (![intAttr(n, 'K'), intAttr(n, 'N'), intAttr(n, 'block_size')].every(Number.isFinite)) return 'K, N or block_size missing';
  if (n.inputs[4]) return 'g_idx (act-order) is not read';
  const B = init.get(n.inputs[1]);
  const S = init.get(n.inputs[2]);
  if (!B || !S) return 'its weights are not constant initializers';
  if (S.dataType !== DataType.FLOAT && S.dataType !== DataType.FLOAT16) return 'scales are neither float32 nor float16';
  if (n.inputs[3]) {
    const Z = init.get(n.inputs[3]);
    if (!Z || Z.dataType !== DataType.UINT8) return 'zero points are not a uint8 initializer';
  }
  return null;
}

function floats(bytes: Uint8Array, dataType: number): Float32Array {
  if (dataType === DataType.FLOAT) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const half = new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return Float32Array.from(half, (h) => halfBitsToFloat(h));
}

/** What the KV-cache hand-over compares: a session's graph inputs and outputs with their metadata. */
export interface SessionIo {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata: readonly { name: string; isTensor: boolean; type?: string; shape?: readonly (number | string)[] }[];
}

/**
 * Why the prefill session's KV cache cannot feed the decode session (null when it can): the same
 * graph inputs and outputs, and for every past_key_values input the same element type and the
 * same fixed dimensions (kv heads, head size).
 */
export function kvLayoutMismatch(decode: SessionIo, prefill: SessionIo): string | null {
  const list = (xs: readonly string[]) => [...xs].sort().join(', ');
  if (list(decode.inputNames) !== list(prefill.inputNames)) return `the graph inputs differ (decode: ${list(decode.inputNames)}; prefill: ${list(prefill.inputNames)})`;
  const kvOut = (xs: readonly string[]) => xs.filter((x) => x.startsWith('present'));
  if (list(kvOut(decode.outputNames)) !== list(kvOut(prefill.outputNames))) return `the KV cache outputs differ (decode: ${list(kvOut(decode.outputNames))}; prefill: ${list(kvOut(prefill.outputNames))})`;
  for (const d of decode.inputMetadata) {
    if (!d.name.startsWith('past_key_values')) continue;
    const p = prefill.inputMetadata.find((x) => x.name === d.name);
    if (!p) return `'${d.name}' has no metadata in the prefill graph`;
    if (d.type !== p.type) return `'${d.name}' is ${String(d.type)} in the decode graph and ${String(p.type)} in the prefill graph`;
    const fixed = (s: readonly (number | string)[] | undefined) => (s ?? []).map((x) => typeof x === 'number' ? String(x) : '?').join('x');
    if (fixed(d.shape) !== fixed(p.shape)) return `'${d.name}' has shape [${fixed(d.shape)}] in the decode graph and [${fixed(p.shape)}] in the prefill graph`;
  }
  return null;
}
