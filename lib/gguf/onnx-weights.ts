/**
 * Finds a decoder's weights in an ONNX graph laid out by ONNX Runtime GenAI's model builder
 * (lib/synth/decoder-graph.ts imitates it): nodes are named by module path, so
 *   /model/embed_tokens/Gather[BlockQuantized]            the embedding
 *   /model/layers.{i}/input_layernorm/...                 attention norm (weight = last input)
 *   /model/layers.{i}/attn/{qkv,q,k,v,o}_proj/<op>       linears; .../Add adds the bias
 *   /model/layers.{i}/post_attention_layernorm/...        MLP norm
 *   /model/layers.{i}/mlp/{gate,up,down}_proj/<op>
 *   /model/norm/...                                       final norm
 *   /lm_head/<op>                                         vocabulary projection
 * A linear is MatMulNBits (int4/int8 blocks), DynamicQuantizeMatMul (int8 per channel) or a
 * float MatMul. Records only; the bytes are read later by the exporter.
 */
import { ModelInvalidError } from '../errors';
import { DataType, type GraphRecord, type NodeRecord, type TensorRecord } from '../onnx/records';

export type Linear =
  | { kind: 'nbits'; node: string; N: number; K: number; bits: 4 | 8; blockSize: number; weight: TensorRecord; scales: TensorRecord; zeroPoints: TensorRecord | null }
  | { kind: 'int8'; node: string; N: number; K: number; weight: TensorRecord; scales: TensorRecord; zeroPoint: TensorRecord | null }
  | { kind: 'float'; node: string; N: number; K: number; weight: TensorRecord };

export interface LayerWeights {
  attnNorm: TensorRecord;
  ffnNorm: TensorRecord;
  /** Either one packed qkv linear or three separate ones. */
  qkv: Linear | null;
  q: Linear | null;
  k: Linear | null;
  v: Linear | null;
  /** Bias of the packed qkv (or of q, k, v) when the model has one. */
  qkvBias: TensorRecord | null;
  qBias: TensorRecord | null;
  kBias: TensorRecord | null;
  vBias: TensorRecord | null;
  o: Linear;
  gate: Linear;
  up: Linear;
  down: Linear;
}

export interface DecoderWeights {
  /** A float [V, H] table, or null when the embedding gathers the lm_head's int4 blocks (shared). */
  embedding: TensorRecord | null;
  sharedEmbedding: boolean;
  layers: LayerWeights[];
  finalNorm: TensorRecord;
  lmHead: Linear;
}

function intAttr(n: NodeRecord, name: string, fallback?: number): number {
  const a = n.attributes[name];
  if (a && a.kind === 'int') return a.value;
  if (fallback !== undefined) return fallback;
  throw new ModelInvalidError(`node '${n.name}' (${n.opType}) has no '${name}' attribute: the graph is not one ONNX Runtime can run; re-export it`);
}

export function findDecoderWeights(graph: GraphRecord): DecoderWeights {
  const inits = new Map(graph.initializers.map((t) => [t.name, t]));
  const init = (name: string, what: string): TensorRecord => {
    const t = inits.get(name);
    if (!t) throw new ModelInvalidError(`${what}: '${name}' is not an initializer of the graph; only models with their weights stored in the file can be exported`);
    return t;
  };
  const byPrefix = (prefix: string): NodeRecord[] => graph.nodes.filter((n) => n.name.startsWith(prefix));

  const linearAt = (prefix: string): Linear | null => {
    for (const n of byPrefix(prefix)) {
      if (n.opType === 'MatMulNBits') {
        const bits = intAttr(n, 'bits', 4);
        if (bits !== 4 && bits !== 8) throw new ModelInvalidError(`${n.name}: ${bits}-bit MatMulNBits has no GGUF counterpart here; export int4 or int8 models`);
        const zp = n.inputs[3] ? init(n.inputs[3], n.name) : null;
        if (zp && zp.dataType !== DataType.UINT8) throw new ModelInvalidError(`${n.name}: float zero points cannot be carried into GGUF blocks; quantise with uint8 zero points`);
        return {
          kind: 'nbits', node: n.name, N: intAttr(n, 'N'), K: intAttr(n, 'K'), bits, blockSize: intAttr(n, 'block_size'),
          weight: init(n.inputs[1], n.name), scales: init(n.inputs[2], n.name), zeroPoints: zp,
        };
      }
      if (n.opType === 'DynamicQuantizeMatMul') {
        const w = init(n.inputs[1], n.name);
        return { kind: 'int8', node: n.name, K: w.dims[0], N: w.dims[1], weight: w, scales: init(n.inputs[2], n.name), zeroPoint: n.inputs[3] ? init(n.inputs[3], n.name) : null };
      }
      if (n.opType === 'MatMul' && inits.has(n.inputs[1])) {
        const w = init(n.inputs[1], n.name);
        return { kind: 'float', node: n.name, K: w.dims[0], N: w.dims[1], weight: w };
      }
    }
    return null;
  };
  const must = <T>(v: T | null, what: string): T => {
    if (v === null) throw new ModelInvalidError(`the graph has no ${what}: only decoders laid out by ONNX Runtime GenAI's model builder (or slmlab's twins) can be exported to GGUF`);
    return v;
  };
  const biasAt = (prefix: string): TensorRecord | null => {
    const add = byPrefix(prefix).find((n) => n.opType === 'Add');
    if (!add) return null;
    const name = add.inputs.find((i) => inits.has(i));
    return name ? init(name, add.name) : null;
  };
  const normAt = (prefix: string): TensorRecord => {
    const n = byPrefix(prefix).find((x) => /LayerNormalization$/.test(x.opType));
    if (!n) throw new ModelInvalidError(`the graph has no norm under ${prefix}: only RMSNorm decoders laid out by ONNX Runtime GenAI's builder can be exported`);
    // SimplifiedLayerNormalization(x, w); SkipSimplifiedLayerNormalization(x, skip, w)
    const w = n.opType.startsWith('Skip') ? n.inputs[2] : n.inputs[1];
    return init(w, n.name);
  };

  const layerIds = new Set<number>();
  for (const n of graph.nodes) { const m = /^\/model\/layers\.(\d+)\//.exec(n.name); if (m) layerIds.add(Number(m[1])); }
  const count = layerIds.size;
  const layers: LayerWeights[] = [];
  for (let i = 0; i < count; i++) {
    const p = `/model/layers.${i}`;
    const attn = byPrefix(`${p}/attn/`).length ? `${p}/attn` : `${p}/self_attn`;
    const qkv = linearAt(`${attn}/qkv_proj/`);
    layers.push({
      attnNorm: normAt(`${p}/input_layernorm/`),
      ffnNorm: normAt(`${p}/post_attention_layernorm/`),
      qkv,
      q: qkv ? null : must(linearAt(`${attn}/q_proj/`), `q_proj in layer ${i}`),
      k: qkv ? null : must(linearAt(`${attn}/k_proj/`), `k_proj in layer ${i}`),
      v: qkv ? null : must(linearAt(`${attn}/v_proj/`), `v_proj in layer ${i}`),
      qkvBias: qkv ? biasAt(`${attn}/qkv_proj/`) : null,
      qBias: qkv ? null : biasAt(`${attn}/q_proj/`),
      kBias: qkv ? null : biasAt(`${attn}/k_proj/`),
      vBias: qkv ? null : biasAt(`${attn}/v_proj/`),
      o: must(linearAt(`${attn}/o_proj/`), `o_proj in layer ${i}`),
      gate: must(linearAt(`${p}/mlp/gate_proj/`), `mlp gate_proj in layer ${i}`),
      up: must(linearAt(`${p}/mlp/up_proj/`), `mlp up_proj in layer ${i}`),
      down: must(linearAt(`${p}/mlp/down_proj/`), `mlp down_proj in layer ${i}`),
    });
  }
  if (count === 0) must(null, 'decoder layers (/model/layers.N/...)');

  const embedNodes = byPrefix('/model/embed_tokens/');
  const shared = embedNodes.some((n) => n.opType === 'GatherBlockQuantized');
  const gather = embedNodes.find((n) => n.opType === 'Gather');
  const embedding = shared ? null : gather ? init(gather.inputs[0], gather.name) : null;
  if (!shared && !embedding) must(null, 'embedding (/model/embed_tokens/Gather over an initializer)');
  return {
    embedding, sharedEmbedding: shared, layers,
    finalNorm: normAt('/model/norm/'),
    lmHead: must(linearAt('/lm_head/'), 'lm_head (/lm_head/...)'),
  };
}
