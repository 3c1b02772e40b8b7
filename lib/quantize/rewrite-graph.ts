/**
 * Rewrites a decoded model by its plan: MatMul -> com.microsoft.MatMulNBits for the chosen
 * weights (int4/int8), or every float to float16 (fp16). Every other node, the opsets and
 * the metadata are kept. Weights are not touched here: each initializer gets its place in
 * the output data file, and a StreamJob that stream-weights.ts runs to fill it.
 *
 * MatMulNBits (ContribOperators.md): inputs A, B [N, kBlocks, blockSize*bits/8] uint8,
 * scales [N, kBlocks] in A's type, optional zero_points [N, ceil(kBlocks*bits/8)] uint8;
 * attributes K, N, bits, block_size, accuracy_level.
 *
 * int8 with MatMulInteger (onnxruntime.quantization.quantize_dynamic's form; ORT's CPU EP
 * fuses it into one DynamicQuantizeMatMul kernel):
 *   x [.., K] -> DynamicQuantizeLinear -> x_q (uint8), x_scale, x_zero_point   (per tensor, at run time)
 *   MatMulInteger(x_q, W_q [K, N] int8, x_zero_point, W_zero_point [N] = 0) -> int32 [.., N]
 *   Cast(float) * (x_scale * W_scale [N]) -> y [.., N]
 */
import {
  DataType, nbitsLayout, toHalfArray, type AttrValue, type GraphRecord, type ModelRecord, type NBitsLayout, type NodeRecord,
  type TensorDataWriter, type TensorRecord, type ValueInfoRecord,
} from '../onnx';
import { precisionBits, settingsLabel, usesMatMulInteger } from './options';
import type { QuantizePlan } from './plan';

export type StreamJob =
  | { kind: 'copy'; source: TensorRecord; target: TensorRecord; bytes: number }
  /** A tensor of one repeated byte (explicit symmetric zero points: 0x88 for 4 bits, 0x80 for 8). */
  | { kind: 'fill'; source: TensorRecord; target: TensorRecord; value: number; bytes: number }
  | { kind: 'fp16'; source: TensorRecord; target: TensorRecord; bytes: number }
  | { kind: 'int8-columns'; source: TensorRecord; bytes: number; K: number; N: number; quantized: TensorRecord; scales: TensorRecord }
  | {
    kind: 'nbits'; source: TensorRecord; bytes: number; layout: NBitsLayout;
    /** true: the source is already [N, K] (an embedding table); false: it is a MatMul B [K, N]. */
    rows: boolean;
    packed: TensorRecord; scales: TensorRecord; zeroPoints: TensorRecord | null;
    /** scales in float16 (the activations are float16) */
    halfScales: boolean;
  };

export interface RewriteResult {
  model: ModelRecord;
  jobs: StreamJob[];
}

type Reserved = TensorRecord & { external: { offset: number } };

export function rewriteModel(model: ModelRecord, plan: QuantizePlan, data: TensorDataWriter): RewriteResult {
  const s = plan.settings;
  const jobs: StreamJob[] = [];
  const initializers: TensorRecord[] = [];
  const reserve = (name: string, dataType: TensorRecord['dataType'], dims: number[], bytes: number): Reserved => data.reserve(name, dataType, dims, bytes);
  // a tied embedding shares its MatMul's weight: the MatMul decision quantises it
  const byWeight = new Map(plan.decisions.filter((d) => d.action === 'quantize' && !d.sharedWith).map((d) => [d.weight, d]));
  const sharedByGather = new Map(plan.decisions.filter((d) => d.action === 'quantize' && d.sharedWith).map((d) => [d.node, d]));
  const droppedTransposes = new Set([...sharedByGather.values()].map((d) => d.sharedWith!.transpose));
  /** Symmetric zero points written out for a GatherBlockQuantized: its name, or null. */
  const explicitZeroPoints = (weight: string, N: number, layout: NBitsLayout, source: TensorRecord): string => {
    const zp = reserve(`${weight}_zero_points`, DataType.UINT8, [N, layout.zpBytes], N * layout.zpBytes);
    initializers.push(zp);
    jobs.push({ kind: 'fill', source, target: zp, value: layout.bits === 4 ? 0x88 : 0x80, bytes: N * layout.zpBytes });
    return zp.name;
  };
  const bits = precisionBits(s.precision);
  const dynamic = usesMatMulInteger(s);
  const nodes: NodeRecord[] = [];

  for (const t of model.graph.initializers) {
    const d = byWeight.get(t.name);
    if (d && d.kind === 'embedding') {
      const layout = nbitsLayout(d.N, d.K, s.blockSize, s.precision === 'int4' ? 4 : 8);
      const half = t.dataType === DataType.FLOAT16;
      const rowBytes = layout.kBlocks * layout.blobSize;
      const packed = reserve(`${t.name}_Q${layout.bits}`, DataType.UINT8, [d.N, rowBytes], d.N * rowBytes);
      const scales = reserve(`${t.name}_scales`, half ? DataType.FLOAT16 : DataType.FLOAT, [d.N, layout.kBlocks], d.N * layout.kBlocks * (half ? 2 : 4));
      const zeroPoints = s.symmetric ? null : reserve(`${t.name}_zero_points`, DataType.UINT8, [d.N, layout.zpBytes], d.N * layout.zpBytes);
      initializers.push(packed, scales, ...(zeroPoints ? [zeroPoints] : []));
      jobs.push({ kind: 'nbits', rows: true, source: t, bytes: d.bytesBefore, layout, packed, scales, zeroPoints, halfScales: half });
      if (s.symmetric) explicitZeroPoints(t.name, d.N, layout, t);
    } else if (d && dynamic) {
      const quantized = reserve(`${t.name}_int8`, DataType.INT8, [d.K, d.N], d.K * d.N);
      const scales = reserve(`${t.name}_scale`, DataType.FLOAT, [d.N], d.N * 4);
      initializers.push(quantized, scales, { name: `${t.name}_zero_point`, dataType: DataType.INT8, dims: [d.N], raw: new Uint8Array(d.N) });
      jobs.push({ kind: 'int8-columns', source: t, bytes: d.bytesBefore, K: d.K, N: d.N, quantized, scales });
    } else if (d && bits) {
      const layout = nbitsLayout(d.N, d.K, s.blockSize, bits);
      const half = t.dataType === DataType.FLOAT16;
      const packed = reserve(`${t.name}_Q${bits}`, DataType.UINT8, [d.N, layout.kBlocks, layout.blobSize], d.N * layout.kBlocks * layout.blobSize);
      const scales = reserve(`${t.name}_scales`, half ? DataType.FLOAT16 : DataType.FLOAT, [d.N, layout.kBlocks], d.N * layout.kBlocks * (half ? 2 : 4));
      const zeroPoints = s.symmetric ? null : reserve(`${t.name}_zero_points`, DataType.UINT8, [d.N, layout.zpBytes], d.N * layout.zpBytes);
      initializers.push(packed, scales, ...(zeroPoints ? [zeroPoints] : []));
      jobs.push({ kind: 'nbits', rows: false, source: t, bytes: d.bytesBefore, layout, packed, scales, zeroPoints, halfScales: half });
      // the tied embedding's GatherBlockQuantized reads this weight too: symmetric zero points for it
      if (s.symmetric && [...sharedByGather.values()].some((e) => e.weight === t.name)) explicitZeroPoints(t.name, d.N, layout, t);
    } else if (s.precision === 'fp16' && t.dataType === DataType.FLOAT) {
      if (t.external) {
        const target = reserve(t.name, DataType.FLOAT16, t.dims, t.external.length / 2);
        initializers.push(target);
        jobs.push({ kind: 'fp16', source: t, target, bytes: t.external.length });
      } else {
        initializers.push(toHalfTensor(t));
      }
    } else if (t.external) {
      const target = reserve(t.name, t.dataType, t.dims, t.external.length);
      initializers.push({ ...target, extra: t.extra });
      jobs.push({ kind: 'copy', source: t, target, bytes: t.external.length });
    } else {
      initializers.push(t);
    }
  }

  for (const n of model.graph.nodes) {
    // plan.ts quantises a weight only when this MatMul is its one reader
    const d = n.opType === 'MatMul' ? byWeight.get(n.inputs[1]) : undefined;
    const e = n.opType === 'Gather' ? byWeight.get(n.inputs[0]) : undefined;
    const shared = n.opType === 'Gather' ? sharedByGather.get(n.name) : undefined;
    if (droppedTransposes.has(n.name)) continue; // its Gather reads the quantised weight instead
    if (shared && bits) {
      // builders/base.py make_embedding (tied_quantized_embeddings): Reshape the MatMulNBits weight
      // [V, kBlocks, bs*bits/8] to [V, H*bits/8] and gather rows of it, dequantised with the same scales.
      const flat = `/model/constants/${shared.weight}_gather_shape`;
      initializers.push({ name: flat, dataType: DataType.INT64, dims: [2], raw: new Uint8Array(new BigInt64Array([BigInt(shared.N), BigInt(shared.K * bits / 8)]).buffer) });
      const reshaped = `${n.name}/Reshape_weight/output_0`;
      nodes.push({ opType: 'Reshape', domain: '', name: `${n.name}/Reshape_weight`, inputs: [`${shared.weight}_Q${bits}`, flat], outputs: [reshaped], attributes: {} });
      nodes.push(gatherBlockQuantized(n, reshaped, `${shared.weight}_scales`, `${shared.weight}_zero_points`, bits, s.blockSize));
    } else if (e && e.kind === 'embedding') {
      const eb = s.precision === 'int4' ? 4 : 8;
      nodes.push(gatherBlockQuantized(n, `${e.weight}_Q${eb}`, `${e.weight}_scales`, `${e.weight}_zero_points`, eb, s.blockSize));
    } else if (d && dynamic) {
      nodes.push(...matMulIntegerNodes(n, d.weight));
    } else if (d && bits) {
      const inputs = [n.inputs[0], `${d.weight}_Q${bits}`, `${d.weight}_scales`, ...(s.symmetric ? [] : [`${d.weight}_zero_points`])];
      nodes.push({
        opType: 'MatMulNBits', domain: 'com.microsoft', name: n.name.replace(/MatMul$/, 'MatMulNBits') || `${d.weight}/MatMulNBits`,
        inputs, outputs: n.outputs, extra: n.extra,
        attributes: {
          K: { kind: 'int', value: d.K }, N: { kind: 'int', value: d.N }, bits: { kind: 'int', value: bits },
          block_size: { kind: 'int', value: s.blockSize }, accuracy_level: { kind: 'int', value: s.accuracyLevel },
        },
      });
    } else {
      nodes.push(s.precision === 'fp16' ? toHalfNode(n) : n);
    }
  }

  const graph: GraphRecord = { ...model.graph, nodes, initializers };
  if (s.precision === 'fp16') {
    graph.inputs = graph.inputs.map(toHalfValue);
    graph.outputs = graph.outputs.map(toHalfValue);
    if (graph.valueInfo) graph.valueInfo = graph.valueInfo.map(toHalfValue);
  }
  const opsets = [...model.opsets];
  const contrib = (bits && !dynamic) || plan.decisions.some((x) => x.kind === 'embedding' && x.action === 'quantize');
  if (contrib && !opsets.some((o) => o.domain === 'com.microsoft')) opsets.push({ domain: 'com.microsoft', version: 1 });
  const metadata: Record<string, string> = {
    ...model.metadata,
    'slmlab.quantization': JSON.stringify({ label: settingsLabel(s), ...s, quantized: plan.quantizedCount, kept: plan.keptCount }),
  };
  if ('slmlab.precision' in metadata) metadata['slmlab.precision'] = s.precision;
  return { model: { ...model, opsets, graph, metadata }, jobs };
}

/** Gather(table, ids) -> com.microsoft.GatherBlockQuantized(data [N, K*bits/8] uint8, ids, scales, zero points), blocks along axis 1. */
function gatherBlockQuantized(n: NodeRecord, data: string, scales: string, zeroPoints: string, bits: number, blockSize: number): NodeRecord {
  return {
    opType: 'GatherBlockQuantized', domain: 'com.microsoft', name: n.name.replace(/Gather$/, 'GatherBlockQuantized') || `${data}/GatherBlockQuantized`,
    inputs: [data, n.inputs[1], scales, zeroPoints], outputs: n.outputs, extra: n.extra,
    attributes: { gather_axis: { kind: 'int', value: 0 }, quantize_axis: { kind: 'int', value: 1 }, block_size: { kind: 'int', value: blockSize }, bits: { kind: 'int', value: bits } },
  };
}

/** The five nodes that replace MatMul(x, W) -> y in the MatMulInteger form (see the header). */
function matMulIntegerNodes(n: NodeRecord, w: string): NodeRecord[] {
  const p = n.name || w;
  const x = n.inputs[0];
  const y = n.outputs[0];
  const node = (opType: string, suffix: string, inputs: string[], outputs: string[], attributes: Record<string, AttrValue> = {}): NodeRecord =>
    ({ opType, domain: '', name: `${p}/${suffix}`, inputs, outputs, attributes });
  return [
    node('DynamicQuantizeLinear', 'DynamicQuantizeLinear', [x], [`${w}/x_q`, `${w}/x_scale`, `${w}/x_zero_point`]),
    node('MatMulInteger', 'MatMulInteger', [`${w}/x_q`, `${w}_int8`, `${w}/x_zero_point`, `${w}_zero_point`], [`${w}/acc`]),
    node('Cast', 'Cast', [`${w}/acc`], [`${w}/acc_float`], { to: { kind: 'int', value: DataType.FLOAT } }),
    node('Mul', 'ScaleProduct', [`${w}/x_scale`, `${w}_scale`], [`${w}/scale`]),
    { ...node('Mul', 'Rescale', [`${w}/acc_float`, `${w}/scale`], [y]), extra: n.extra },
  ];
}

// ---- fp16 conversion of what the graph itself holds --------------------------------------

function toHalfTensor(t: TensorRecord): TensorRecord {
  if (t.dataType !== DataType.FLOAT || !t.raw) return t;
  const src = new Float32Array(t.raw.slice().buffer);
  return { ...t, dataType: DataType.FLOAT16, raw: new Uint8Array(toHalfArray(src).buffer) };
}

function toHalfValue(v: ValueInfoRecord): ValueInfoRecord {
  return v.dataType === DataType.FLOAT && !v.rawType ? { ...v, dataType: DataType.FLOAT16 } : v;
}

/** Cast(to=float) -> Cast(to=float16); float constants -> float16 constants. */
function toHalfNode(n: NodeRecord): NodeRecord {
  const attributes: Record<string, AttrValue> = {};
  for (const [name, a] of Object.entries(n.attributes)) {
    if (n.opType === 'Cast' && name === 'to' && a.kind === 'int' && a.value === DataType.FLOAT) attributes[name] = { kind: 'int', value: DataType.FLOAT16 };
    else if (a.kind === 'tensor' && a.value.dataType === DataType.FLOAT) attributes[name] = { kind: 'tensor', value: toHalfTensor(a.value) };
    else if (n.opType === 'Constant' && name === 'value_float' && a.kind === 'float') {
      const v = new Float32Array([a.value]);
      attributes.value = { kind: 'tensor', value: toHalfTensor({ name: '', dataType: DataType.FLOAT, dims: [], raw: new Uint8Array(v.buffer) }) };
    } else if (n.opType === 'Constant' && name === 'value_floats' && a.kind === 'floats') {
      const v = Float32Array.from(a.value);
      attributes.value = { kind: 'tensor', value: toHalfTensor({ name: '', dataType: DataType.FLOAT, dims: [v.length], raw: new Uint8Array(v.buffer) }) };
    } else attributes[name] = a;
  }
  return { ...n, attributes };
}
