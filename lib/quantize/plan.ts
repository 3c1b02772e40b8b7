/**
 * Which weights a quantisation touches, decided from the graph alone (no weight is read):
 * the dry run prints this plan, and the rewrite follows it.
 *
 * int4 / int8: every MatMul whose B is a float initializer of rank 2 [K, N] becomes a
 * com.microsoft.MatMulNBits, unless an --exclude pattern names it or another node also
 * reads that initializer (then it stays float, with the reason). K that is not a multiple of
 * the block is padded (MatMulNBits takes K and pads the last block; reported as `padded`).
 * int8 with the MatMulInteger kernel (the default): the same weights, as int8 [K, N] with one
 * scale per output column, behind DynamicQuantizeLinear + MatMulInteger.
 * With `embeddings`, a Gather whose table is a float initializer [V, H] becomes a
 * com.microsoft.GatherBlockQuantized (blocks along H; H must be a multiple of the block), with
 * explicit zero points. A tied model in ONNX Runtime GenAI builder v0.15's float form (the
 * embedding gathers from Transpose(lm_head weight)) is quantised as that builder quantises it:
 * the weight once, read by the lm_head's MatMulNBits and by a GatherBlockQuantized, whatever
 * `embeddings` says.
 * fp16: every float tensor and value becomes float16 (weights, graph I/O, Cast targets, constants).
 */
import { DataType, dataTypeName, nbitsLayout, type GraphRecord, type ModelRecord, type NodeRecord, type TensorRecord } from '../onnx';
import { QuantizeError } from './errors';
import { matchesPattern, precisionBits, usesMatMulInteger, type QuantizeSettings } from './options';

export interface WeightDecision {
  /** 'matmul': B of a MatMul ([K, N]); 'embedding': the table of a Gather ([V, H] read as N = V rows of K = H). */
  kind: 'matmul' | 'embedding';
  /** The MatMul (or Gather) node's name. */
  node: string;
  weight: string;
  K: number;
  N: number;
  action: 'quantize' | 'keep';
  /** Why a weight stays float (null when it is quantised). */
  reason: string | null;
  /** K is not a multiple of the block size: the last block is padded with zeros. */
  padded: boolean;
  bytesBefore: number;
  bytesAfter: number;
  /**
   * An embedding that reads a MatMul's weight (the builder v0.15 tied form): the name of the
   * MatMul whose quantised weight it gathers from, and the Transpose node it replaces.
   */
  sharedWith?: { matmul: string; transpose: string };
}

export interface QuantizePlan {
  settings: QuantizeSettings;
  /** int4/int8: one per MatMul with an initializer B; fp16: empty. */
  decisions: WeightDecision[];
  /** Bytes of every initializer before and after. */
  bytesBefore: number;
  bytesAfter: number;
  quantizedCount: number;
  keptCount: number;
  /** Choices that work but that measurements advise against, in words. */
  warnings: string[];
}

const FLOAT_TYPES = new Set<number>([DataType.FLOAT, DataType.FLOAT16]);

export function tensorBytes(t: TensorRecord): number {
  return t.external ? t.external.length : (t.raw?.length ?? 0);
}

/** Bytes of a quantised [K, N] weight: packed blocks + scales (+ zero points). */
export function nbitsBytes(K: number, N: number, bits: 4 | 8, blockSize: number, symmetric: boolean, scaleBytes: number): number {
  const kBlocks = Math.ceil(K / blockSize);
  const packed = N * kBlocks * (blockSize * bits) / 8;
  const zp = symmetric ? 0 : N * Math.ceil((kBlocks * bits) / 8);
  return packed + N * kBlocks * scaleBytes + zp;
}

/** Throws when the graph is not a decoder language model slmlab can rewrite. */
export function checkDecoder(graph: GraphRecord, file: string): void {
  const inputs = graph.inputs.map((v) => v.name);
  if (!inputs.includes('input_ids') || !inputs.some((n) => /^past_key_values[._]\d+[._]key$/.test(n))) {
    throw new QuantizeError(`'${file}' is not a decoder language model with a KV cache: its inputs are ${inputs.join(', ') || '(none)'}; slmlab quantises decoders with input_ids and past_key_values.N.key|value inputs (ONNX Runtime GenAI builder or Optimum text-generation-with-past exports)`);
  }
}

function isMatMul(n: NodeRecord): boolean {
  return n.opType === 'MatMul' && (n.domain === '' || n.domain === 'ai.onnx');
}

export function planQuantization(model: ModelRecord, settings: QuantizeSettings, file: string): QuantizePlan {
  const graph = model.graph;
  checkDecoder(graph, file);
  const inits = new Map(graph.initializers.map((t) => [t.name, t]));
  const bytesBefore = graph.initializers.reduce((a, t) => a + tensorBytes(t), 0);

  if (settings.precision === 'fp16') {
    checkFp16Convertible(graph);
    if (!graph.initializers.some((t) => t.dataType === DataType.FLOAT)) {
      throw new QuantizeError(`'${file}' has no float32 weights to convert: it is already ${describePrecision(graph)}; convert an fp32 model (e.g. \`slmlab model build <shape> --precision fp32\`)`);
    }
    const bytesAfter = graph.initializers.reduce((a, t) => a + (t.dataType === DataType.FLOAT ? tensorBytes(t) / 2 : tensorBytes(t)), 0);
    const floats = graph.initializers.filter((t) => t.dataType === DataType.FLOAT).length;
    return { settings, decisions: [], bytesBefore, bytesAfter, quantizedCount: floats, keptCount: graph.initializers.length - floats, warnings: [] };
  }

  const bits = precisionBits(settings.precision)!;
  const dynamic = usesMatMulInteger(settings);
  const readers = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  const outputs = new Set(graph.outputs.map((o) => o.name));

  // The builder's float tied form: one weight read by the lm_head MatMul and by a Transpose that
  // only feeds the embedding Gather. Quantised once, in MatMulNBits' layout, for both readers.
  const tied = dynamic ? new Map<string, TiedEmbedding>() : findTiedEmbeddings(graph, inits, settings);
  for (const t of tied.values()) readers.set(t.weight, (readers.get(t.weight) ?? 0) - 1);

  const decisions: WeightDecision[] = [];
  for (const n of graph.nodes) {
    if (!isMatMul(n)) continue;
    const w = inits.get(n.inputs[1]);
    if (!w) continue; // activations x activations (attention without fused ops): nothing to quantise
    const [K, N] = w.dims.length === 2 ? w.dims : [0, 0];
    const base = { kind: 'matmul' as const, node: n.name, weight: w.name, K, N, padded: false, bytesBefore: tensorBytes(w), bytesAfter: tensorBytes(w) };
    let reason: string | null = null;
    if (w.dims.length !== 2) reason = `B has rank ${w.dims.length}, not 2`;
    else if (!FLOAT_TYPES.has(w.dataType)) reason = `B is ${dataTypeName(w.dataType)}, not float32 or float16`;
    else if (dynamic && w.dataType !== DataType.FLOAT) reason = 'MatMulInteger int8 needs float32 activations: use --int8-kernel matmulnbits for float16 models';
    else {
      const pattern = settings.exclude.find((p) => matchesPattern(p, n.name) || matchesPattern(p, w.name));
      if (pattern) reason = `excluded by '${pattern}'`;
      else if ((readers.get(w.name) ?? 0) > 1 || outputs.has(w.name)) reason = 'B is shared with another node';
    }
    if (reason) { decisions.push({ ...base, action: 'keep', reason }); continue; }
    const scaleBytes = w.dataType === DataType.FLOAT16 ? 2 : 4;
    decisions.push(dynamic
      ? { ...base, action: 'quantize', reason: null, padded: false, bytesAfter: K * N + N * 4 + N }
      : {
        ...base, action: 'quantize', reason: null, padded: K % settings.blockSize !== 0,
        bytesAfter: nbitsBytes(K, N, bits, settings.blockSize, settings.symmetric, scaleBytes),
      });
  }
  for (const t of tied.values()) {
    const head = decisions.find((d) => d.kind === 'matmul' && d.weight === t.weight);
    if (!head || head.action !== 'quantize') {
      // lm_head stays float (excluded, say): so does the embedding that reads it; undo the reader count
      readers.set(t.weight, (readers.get(t.weight) ?? 0) + 1);
      if (head) head.reason = `${head.reason}; the embedding reads it too (tied)`;
      continue;
    }
    const layout = nbitsLayout(t.V, t.H, settings.blockSize, bits);
    // GatherBlockQuantized gets explicit zero points (see planEmbeddings); asymmetric ones are the MatMul's
    const zp = settings.symmetric ? t.V * layout.zpBytes : 0;
    decisions.push({
      kind: 'embedding', node: t.gather, weight: t.weight, K: t.H, N: t.V, action: 'quantize', reason: null, padded: false,
      bytesBefore: 0, bytesAfter: zp, sharedWith: { matmul: head.node, transpose: t.transpose },
    });
  }
  if (settings.embeddings) decisions.push(...planEmbeddings(graph, settings, readers, outputs));
  const quantized = decisions.filter((d) => d.action === 'quantize');
  if (!quantized.some((d) => d.kind === 'matmul')) {
    const already = graph.nodes.some((n) => n.opType === 'MatMulNBits');
    throw new QuantizeError(already
      ? `'${file}' is already quantised (it has MatMulNBits nodes and no float MatMul weights): quantise the fp32 or fp16 model it came from`
      : `'${file}' has no MatMul with a float initializer weight to quantise${decisions.length ? ` (${decisions.map((d) => `${d.node}: ${d.reason}`).join('; ')})` : ''}`);
  }
  const saved = quantized.reduce((a, d) => a + d.bytesBefore - d.bytesAfter, 0);
  // quantizedCount / keptCount count weights: a tied embedding shares its MatMul's
  const warnings: string[] = [];
  if (bits === 8 && !dynamic && settings.accuracyLevel === 0) {
    warnings.push('MatMulNBits with 8 bits at accuracy_level 0 ran about 100x slower than fp32 MatMul on this project\'s CPU (scripts/bench/int8.ts): prefer --accuracy-level 4 or --int8-kernel matmulinteger');
  }
  const shared = quantized.filter((d) => d.sharedWith).length;
  return { settings, decisions, bytesBefore, bytesAfter: bytesBefore - saved, quantizedCount: quantized.length - shared, keptCount: decisions.length - quantized.length, warnings };
}

export interface TiedEmbedding { weight: string; transpose: string; gather: string; V: number; H: number }

/**
 * Transpose(W [H, V], perm [1, 0]) -> Gather(axis 0) where W is also a MatMul's B: ONNX Runtime
 * GenAI's builder >= 0.15 writes tied fp32/fp16 models this way (builders/base.py make_embedding,
 * tied_unquantized_embeddings). Only this exact shape is taken: one Transpose, read by one Gather
 * and nothing else, H a multiple of the block size (GatherBlockQuantized needs whole blocks).
 */
function findTiedEmbeddings(graph: GraphRecord, inits: Map<string, TensorRecord>, settings: QuantizeSettings): Map<string, TiedEmbedding> {
  const out = new Map<string, TiedEmbedding>();
  const readersOf = (name: string) => graph.nodes.filter((n) => n.inputs.includes(name));
  const outputs = new Set(graph.outputs.map((o) => o.name));
  for (const tr of graph.nodes) {
    if (tr.opType !== 'Transpose' || (tr.domain !== '' && tr.domain !== 'ai.onnx')) continue;
    const w = inits.get(tr.inputs[0]);
    if (!w || w.dims.length !== 2 || !FLOAT_TYPES.has(w.dataType)) continue;
    const perm = tr.attributes.perm;
    if (!perm || perm.kind !== 'ints' || perm.value.length !== 2 || perm.value[0] !== 1 || perm.value[1] !== 0) continue;
    const [H, V] = w.dims;
    const users = readersOf(tr.outputs[0]);
    const g = users[0];
    if (users.length !== 1 || outputs.has(tr.outputs[0]) || g.opType !== 'Gather' || g.inputs[0] !== tr.outputs[0]) continue;
    const axis = g.attributes.axis;
    if (axis && !(axis.kind === 'int' && axis.value === 0)) continue;
    const wReaders = readersOf(w.name);
    if (wReaders.length !== 2 || !wReaders.some((n) => isMatMul(n) && n.inputs[1] === w.name)) continue;
    if (H % settings.blockSize !== 0) continue;
    out.set(w.name, { weight: w.name, transpose: tr.name, gather: g.name, V, H });
  }
  return out;
}

/** GatherBlockQuantized candidates: Gather(table [V, H] float initializer, indices) along axis 0. */
function planEmbeddings(graph: GraphRecord, settings: QuantizeSettings, readers: Map<string, number>, outputs: Set<string>): WeightDecision[] {
  const inits = new Map(graph.initializers.map((t) => [t.name, t]));
  const bits = settings.precision === 'int4' ? 4 : 8;
  const out: WeightDecision[] = [];
  for (const n of graph.nodes) {
    if (n.opType !== 'Gather' || (n.domain !== '' && n.domain !== 'ai.onnx')) continue;
    const t = inits.get(n.inputs[0]);
    if (!t || t.dims.length !== 2 || !FLOAT_TYPES.has(t.dataType)) continue;
    const axis = n.attributes.axis;
    const [V, H] = t.dims;
    const base = { kind: 'embedding' as const, node: n.name, weight: t.name, K: H, N: V, padded: false, bytesBefore: tensorBytes(t), bytesAfter: tensorBytes(t) };
    let reason: string | null = null;
    if (axis && !(axis.kind === 'int' && axis.value === 0)) reason = 'Gather is not along axis 0';
    else if (H % settings.blockSize !== 0) reason = `H = ${H} is not a multiple of the block size ${settings.blockSize}`;
    else if ((readers.get(t.name) ?? 0) > 1 || outputs.has(t.name)) reason = 'the table is shared with another node';
    else {
      const pattern = settings.exclude.find((p) => matchesPattern(p, n.name) || matchesPattern(p, t.name));
      if (pattern) reason = `excluded by '${pattern}'`;
    }
    const scaleBytes = t.dataType === DataType.FLOAT16 ? 2 : 4;
    // Zero points are always written: without them ONNX Runtime's CUDA GatherBlockQuantized read
    // 0 where the CPU reads 2^(bits-1) (https://github.com/microsoft/onnxruntime/issues/31692).
    out.push(reason ? { ...base, action: 'keep', reason }
      : { ...base, action: 'quantize', reason: null, bytesAfter: nbitsBytes(H, V, bits, settings.blockSize, false, scaleBytes) });
  }
  return out;
}

function describePrecision(graph: GraphRecord): string {
  if (graph.nodes.some((n) => n.opType === 'MatMulNBits')) return 'quantised (MatMulNBits)';
  return graph.initializers.some((t) => t.dataType === DataType.FLOAT16) ? 'float16' : 'not float32';
}

/** fp16 conversion rewrites tensors and attributes it can see: subgraphs it cannot. */
function checkFp16Convertible(graph: GraphRecord): void {
  for (const n of graph.nodes) {
    for (const [name, a] of Object.entries(n.attributes)) {
      if (a.kind === 'raw') {
        throw new QuantizeError(`node '${n.name}' (${n.opType}) has attribute '${name}' that fp16 conversion cannot rewrite (a subgraph or tensor list): use --precision int4 or int8, which leave such nodes alone`);
      }
    }
  }
}
