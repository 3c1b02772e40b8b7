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
 * The head is found by walking back from the graph output `logits` through ops that act on
 * each position alone with a constant operand (Cast; Add/Mul/Div of an initializer, as a bias
 * or a soft cap; Tanh) to the MatMul, MatMulNBits or Gemm that projects the hidden state.
 * Anything else is left alone, with the reason.
 */
import { DataType, type ModelRecord, type NodeRecord, type TensorRecord } from '../onnx';

export interface LastPositionRewrite {
  model: ModelRecord;
  /** False when the graph was left as it was (then `reason` says why). */
  rewritten: boolean;
  reason: string | null;
}

const HEADS = new Set(['MatMul', 'MatMulNBits', 'Gemm']);
/** Per-position ops the walk may pass through when their other operands are constants. */
const PASS_THROUGH = new Set(['Cast', 'Add', 'Mul', 'Div', 'Tanh', 'Identity']);
const INDEX_NAME = '/slmlab/last_position/index';

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
  const index: TensorRecord = { name: INDEX_NAME, dataType: DataType.INT64, dims: [1], raw: new Uint8Array(new BigInt64Array([-1n]).buffer) };
  const gather: NodeRecord = { opType: 'Gather', domain: '', name: '/slmlab/last_position/Gather', inputs: [hidden, INDEX_NAME], outputs: [gathered], attributes: { axis: { kind: 'int', value: 1 } } };
  const nodes = g.nodes.flatMap((n) => n === head ? [gather, { ...n, inputs: [gathered, ...n.inputs.slice(1)] }] : [n]);
  // Shapes recorded for values between the head and logits no longer hold (their dimension 1 is now 1).
  const changed = new Set([...head.outputs, ...chain.flatMap((n) => n.outputs)]);
  const outputs = g.outputs.map((o) => o.name === logitsName && o.shape ? { ...o, shape: o.shape.map((d, i) => i === 1 ? 1 : d) } : o);
  return {
    model: {
      ...model,
      graph: { ...g, nodes, initializers: [...g.initializers, index], outputs, ...(g.valueInfo ? { valueInfo: g.valueInfo.filter((v) => !changed.has(v.name)) } : {}) },
    },
    rewritten: true,
    reason: null,
  };
}
