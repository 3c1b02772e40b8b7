/**
 * A load-time rewrite for any decoder graph: compute logits for the last position only.
 *
 * Builder and Optimum graphs project every prompt position through lm_head at prefill,
 *   hidden [B, S, H] -> lm_head -> logits [B, S, V]
 * although generation samples from the last row alone. For a 32-token prompt on Qwen2.5-0.5B
 * that is a [32, 896] x [896, 151936] matmul of which 31 rows are thrown away. The rewrite
 * inserts one Gather before lm_head,
 *   hidden [B, S, H] -> Gather(axis 1, indices [-1]) -> [B, 1, H] -> lm_head -> logits [B, 1, V]
 * and leaves every weight where it is (the external data file is not touched). The engine
 * reads logits [B, 1, V] and [B, S, V] alike (it takes the last row), so decoding is unchanged.
 *
 * "Last" is each row's last real position, read from the attention mask, so that a right-padded
 * batch of prompts (batch-prefill.ts) gets every row's own next-token logits:
 *   index_b = clamp(sum(mask_b) - T + S - 1, 0, S - 1)      (mask [B, T], input_ids [B, S])
 * which is S - 1 for an unpadded row (sum = T), L_b - 1 for a padded prompt with an empty cache
 * (T = S), and 0 for a decode step (S = 1). A graph without those inputs gathers position -1.
 *
 * The head is found by walking back from the graph output `logits` through ops that act on
 * each position alone with a constant operand (Cast; Add/Mul/Div of an initializer, as a bias
 * or a soft cap; Tanh) to the MatMul, MatMulNBits or Gemm that projects the hidden state.
 * Anything else is left alone, with the reason. DynamicQuantizeMatMul (the int8 builds' lm_head)
 * is not a head here on purpose: it quantizes its input with one scale for the whole tensor, so
 * feeding it one row instead of S would change the logits, not only drop rows.
 */
import { DataType, decodeModel, encodeModel, type ModelRecord, type NodeRecord, type TensorRecord } from '../onnx';

export interface LastPositionRewrite {
  model: ModelRecord;
  /** False when the graph was left as it was (then `reason` says why). */
  rewritten: boolean;
  reason: string | null;
}

/** The bytes of a graph (model.onnx) rewritten by gatherLastPosition, or null with the reason it was left alone. */
export interface LastPositionBytes {
  bytes: Uint8Array | null;
  reason: string | null;
}

/**
 * gatherLastPosition on the bytes of model.onnx: what the engine does at load (decoder-session.ts)
 * and the in-browser inference worker does to the fetched graph (lib/web/browser/inference-worker.ts).
 * Only the graph passes through decode/encode: weights in the external data file are not read.
 */
export function lastPositionBytes(onnx: Uint8Array): LastPositionBytes {
  const r = gatherLastPosition(decodeModel(onnx));
  return r.rewritten ? { bytes: encodeModel(r.model), reason: null } : { bytes: null, reason: r.reason };
}

const HEADS = new Set(['MatMul', 'MatMulNBits', 'Gemm']);
/** Per-position ops the walk may pass through when their other operands are constants. */
const PASS_THROUGH = new Set(['Cast', 'Add', 'Mul', 'Div', 'Tanh', 'Identity']);
const P = '/slmlab/last_position';

export function gatherLastPosition(model: ModelRecord, logitsName = 'logits'): LastPositionRewrite {
  const g = model.graph;
  const keep = (reason: string): LastPositionRewrite => ({ model, rewritten: false, reason });
  const output = g.outputs.find((o) => o.name === logitsName);
  if (!output) return keep(`the graph has no '${logitsName}' output`);
  if (output.shape && output.shape.length === 3 && output.shape[1] === 1) return keep('the graph already computes logits for one position');
  const constants = new Set(g.initializers.map((t) => t.name));
  const producer = new Map<string, NodeRecord>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);

  // Walk back from logits to the projection: [B, S, H] -> head -> (per-position ops) -> logits.
  const chain: NodeRecord[] = [];
  let node = producer.get(logitsName);
  while (node && !HEADS.has(node.opType)) {
    if (!PASS_THROUGH.has(node.opType)) return keep(`'${logitsName}' comes from a ${node.opType} node ('${node.name}'), not from a matmul the rewrite can find`);
    const variable = node.inputs.filter((i) => i !== '' && !constants.has(i));
    if (variable.length !== 1) return keep(`'${node.name}' (${node.opType}) mixes two computed values: not a per-position op`);
    chain.push(node);
    node = producer.get(variable[0]);
  }
  if (!node) return keep(`no matmul found behind '${logitsName}'`);
  const head = node;
  const hidden = head.inputs[0];
  if (constants.has(hidden)) return keep(`the head '${head.name}' multiplies a constant first: not an lm_head`);

  const gathered = `${hidden}/slmlab_last_position`;
  const inputs = new Set(g.inputs.map((i) => i.name));
  const { nodes: pick, initializers: added } = inputs.has('attention_mask') && inputs.has('input_ids')
    ? lastRealPosition(hidden, gathered, defaultOpset(model))
    : lastPosition(hidden, gathered);
  const nodes = g.nodes.flatMap((n) => n === head ? [...pick, { ...n, inputs: [gathered, ...n.inputs.slice(1)] }] : [n]);
  // Shapes recorded for values between the head and logits no longer hold (their dimension 1 is now 1).
  const changed = new Set([...head.outputs, ...chain.flatMap((n) => n.outputs)]);
  const outputs = g.outputs.map((o) => o.name === logitsName && o.shape ? { ...o, shape: o.shape.map((d, i) => i === 1 ? 1 : d) } : o);
  return {
    model: {
      ...model,
      graph: { ...g, nodes, initializers: [...g.initializers, ...added], outputs, ...(g.valueInfo ? { valueInfo: g.valueInfo.filter((v) => !changed.has(v.name)) } : {}) },
    },
    rewritten: true,
    reason: null,
  };
}

type Pick = { nodes: NodeRecord[]; initializers: TensorRecord[] };

const int64 = (name: string, values: bigint[], dims: number[]): TensorRecord =>
  ({ name, dataType: DataType.INT64, dims, raw: new Uint8Array(new BigInt64Array(values).buffer) });
const node = (op: string, inputs: string[], outputs: string[], attributes: NodeRecord['attributes'] = {}): NodeRecord =>
  ({ opType: op, domain: '', name: `${P}/${op}/${outputs[0].split('/').pop()}`, inputs, outputs, attributes });

/** hidden [B, S, H] -> [B, 1, H] at position S - 1. */
function lastPosition(hidden: string, out: string): Pick {
  return { nodes: [node('Gather', [hidden, `${P}/minus_one`], [out], { axis: { kind: 'int', value: 1 } })], initializers: [int64(`${P}/minus_one`, [-1n], [1])] };
}

/** hidden [B, S, H] -> [B, 1, H] at each row's last real position (see the header). */
function lastRealPosition(hidden: string, out: string, opset: number): Pick {
  const v = (x: string) => `${P}/${x}`;
  const sum = opset >= 13
    ? node('ReduceSum', ['attention_mask', v('axis1')], [v('mask_sum')], { keepdims: { kind: 'int', value: 1 } })
    : node('ReduceSum', ['attention_mask'], [v('mask_sum')], { axes: { kind: 'ints', value: [1] }, keepdims: { kind: 'int', value: 1 } });
  return {
    nodes: [
      node('Shape', ['attention_mask'], [v('mask_shape')]),
      node('Gather', [v('mask_shape'), v('one_scalar')], [v('T')], { axis: { kind: 'int', value: 0 } }),
      node('Shape', ['input_ids'], [v('ids_shape')]),
      node('Gather', [v('ids_shape'), v('one_scalar')], [v('S')], { axis: { kind: 'int', value: 0 } }),
      sum,
      node('Sub', [v('mask_sum'), v('T')], [v('past_pad')]),
      node('Add', [v('past_pad'), v('S')], [v('after_last')]),
      node('Sub', [v('after_last'), v('one')], [v('raw_index')]),
      node('Sub', [v('S'), v('one')], [v('last_index')]),
      node('Max', [v('raw_index'), v('zero')], [v('index_lo')]),
      node('Min', [v('index_lo'), v('last_index')], [v('index')]),
      node('Reshape', [v('index'), v('index_shape')], [v('index_b11')]),
      node('GatherND', [hidden, v('index_b11')], [out], { batch_dims: { kind: 'int', value: 1 } }),
    ],
    initializers: [
      int64(v('one_scalar'), [1n], []), int64(v('one'), [1n], [1]), int64(v('zero'), [0n], [1]),
      int64(v('axis1'), [1n], [1]), int64(v('index_shape'), [-1n, 1n, 1n], [3]),
    ].filter((t) => opset >= 13 || t.name !== v('axis1')),
  };
}

function defaultOpset(model: ModelRecord): number {
  return model.opsets.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 13;
}
