/**
 * The decoder graph, in the layout of ONNX Runtime GenAI's model builder (builders/base.py):
 *
 *   input_ids [B, S] -> Gather(embed_tokens) -> h [B, S, H]
 *   per layer i:
 *     x  = SimplifiedLayerNorm(h)              (layer 0)
 *        | SkipSimplifiedLayerNorm(mlp, res)   (later layers; output 3 is the new residual)
 *     qkv = x W_qkv^T (+ bias)                 [B, S, (nh + 2 kvh) hs]
 *     a, present_k, present_v = GroupQueryAttention(qkv, past_k, past_v, seqlens_k, total_len, cos, sin)
 *     o  = a W_o^T                             [B, S, H]
 *     x2 = SkipSimplifiedLayerNorm(o, res)
 *     mlp = W_down^T (silu(x2 W_gate^T) * (x2 W_up^T))
 *   logits = SkipSimplifiedLayerNorm(mlp, res) W_lm^T   [B, S, V]
 *
 * With `sharedEmbedding` (the builder's layout since v0.15, for tied models) there is no
 * embedding table of its own. At int4 the embedding gathers rows of the lm_head's int4 matrix,
 *   input_ids -> GatherBlockQuantized(W_lm_Q4 [V, kBlocks, bs/2], scales [V, kBlocks, 1]) -> [B, S, H]
 * so one int4 copy of the [V, H] matrix serves both ends of the model; at fp32 / fp16 it
 * gathers from the lm_head's float weight, transposed:
 *   input_ids -> Gather(Transpose(W_lm [H, V], perm [1, 0])) -> [B, S, H]
 *
 * logits 'last' (not the builder's default) gathers the last position before lm_head,
 *   normed [B, S, H] -> Gather(axis 1, [-1]) -> [B, 1, H] -> logits [B, 1, V],
 * so a prefill computes one row of the vocabulary projection instead of S (see LogitsMode).
 *
 * layout 'genai' fuses RoPE into GQA (do_rotary = 1) and has no position_ids input, as the
 * builder does for CPU fp32. layout 'optimum' takes position_ids, as Hugging Face Optimum
 * exports do, and applies com.microsoft.RotaryEmbedding to Q and K before GQA.
 */
import { GraphBuilder } from './graph-builder';
import { DataType, type GraphRecord, type TensorRecord } from '../onnx/records';
import type { TensorDataWriter } from '../onnx/tensor-data-writer';
import type { ModelShape } from './shapes';
import { linear, type FillJob, type LinearContext, type WeightFormat } from './linear';
import { tensorKey, fillRow } from './weights';
import { fillRopeRows, inverseFrequencies, rotaryDim } from './rope';
import { toHalfArray } from '../onnx/fp16';

export type Layout = 'genai' | 'optimum';

const LM_HEAD = 'lm_head.weight';

/**
 * Which positions get logits. 'all' [B, S, V] is what ONNX Runtime GenAI's builder and Optimum
 * emit, so twins cost what the real model costs; 'last' [B, 1, V] is the faster variant for
 * generation, which samples from the last position only (a prefill of S tokens skips S - 1 rows
 * of the largest matmul).
 */
export type LogitsMode = 'all' | 'last';

export interface DecoderPlan {
  shape: ModelShape;
  format: WeightFormat;
  blockSize: number;
  accuracyLevel: number;
  seed: number;
  layout: Layout;
  /** Tied models (builder >= 0.15): embed from the lm_head's weight (GatherBlockQuantized at int4, Transpose + Gather at fp32/fp16). */
  sharedEmbedding?: boolean;
  /** Default 'all' (builder-faithful). */
  logits?: LogitsMode;
  /** int4 only: scales rounded to fp16 before quantising (the GGUF Q4_0 twin option). */
  fp16Scales?: boolean;
}

/** Graph plus the jobs that fill its weights into the data file. */
export interface PlannedDecoder {
  graph: GraphRecord;
  jobs: FillJob[];
}

function int64Const(name: string, values: number[], dims: number[]): TensorRecord {
  const raw = new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);
  return { name, dataType: DataType.INT64, dims, raw };
}

export function planDecoder(plan: DecoderPlan, data: TensorDataWriter): PlannedDecoder {
  const s = plan.shape;
  const ioType = plan.format === 'fp16' ? DataType.FLOAT16 : DataType.FLOAT;
  const floatBytes = ioType === DataType.FLOAT16 ? 2 : 4;
  const b = new GraphBuilder('main_graph');
  const jobs: FillJob[] = [];
  const ctx: LinearContext = { b, data, jobs, format: plan.format, ioType, blockSize: plan.blockSize, accuracyLevel: plan.accuracyLevel, fp16Scales: plan.fp16Scales === true };
  const key = (name: string) => tensorKey(plan.seed, name);

  /** A float tensor filled in one piece (norm weights, biases, small caches). */
  const floatTensor = (name: string, dims: number[], fill: (out: Float32Array) => void): string => {
    const count = dims.reduce((a, d) => a * d, 1);
    const t = data.reserve(name, ioType, dims, count * floatBytes);
    jobs.push({
      tensor: name,
      bytes: t.external.length,
      run: () => {
        const values = new Float32Array(count);
        fill(values);
        data.writeAt(t.external.offset, ioType === DataType.FLOAT16 ? toHalfArray(values) : values);
      },
    });
    return b.initializer(t);
  };
  const ones = (name: string, n: number) => floatTensor(name, [n], (v) => v.fill(1));

  // ---- inputs ---------------------------------------------------------------------------
  const inputIds = b.input('input_ids', DataType.INT64, ['batch_size', 'sequence_length']);
  const mask = b.input('attention_mask', DataType.INT64, ['batch_size', 'total_sequence_length']);
  const positionIds = plan.layout === 'optimum' ? b.input('position_ids', DataType.INT64, ['batch_size', 'sequence_length']) : null;
  for (let i = 0; i < s.layers; i++) {
    for (const kv of ['key', 'value']) b.input(`past_key_values.${i}.${kv}`, ioType, ['batch_size', s.kvHeads, 'past_sequence_length', s.headSize]);
  }

  // ---- attention mask -> GQA's seqlens_k [B] (int32, = tokens seen - 1) and total_sequence_length (int32 scalar)
  b.initializer(int64Const('/model/constants/axis_1', [1], [1]));
  b.initializer(int64Const('/model/constants/one', [1], []));
  b.initializer(int64Const('/model/constants/index_1', [1], []));
  const seen = b.op('ReduceSum', '/model/attn_mask_reformat/ReduceSum', [mask, '/model/constants/axis_1'], { keepdims: 0 });
  const last = b.op('Sub', '/model/attn_mask_reformat/Sub', [seen, '/model/constants/one']);
  const seqlensK = b.op('Cast', '/model/attn_mask_reformat/Cast_seqlens', [last], { to: DataType.INT32 });
  const maskShape = b.op('Shape', '/model/attn_mask_reformat/Shape', [mask]);
  const totalLen64 = b.op('Gather', '/model/attn_mask_reformat/Gather_total', [maskShape, '/model/constants/index_1'], { axis: 0 });
  const totalLen = b.op('Cast', '/model/attn_mask_reformat/Cast_total', [totalLen64], { to: DataType.INT32 });

  // ---- rotary caches [context, rotaryDim / 2]
  const rDim = rotaryDim(s.headSize, s.rope);
  const inv = inverseFrequencies(rDim, s.rope);
  const cosName = 'cos_cache';
  const sinName = 'sin_cache';
  {
    const half = rDim / 2;
    const cos = data.reserve(cosName, ioType, [s.context, half], s.context * half * floatBytes);
    const sin = data.reserve(sinName, ioType, [s.context, half], s.context * half * floatBytes);
    b.initializer(cos);
    b.initializer(sin);
    jobs.push({
      tensor: 'cos_cache+sin_cache',
      bytes: cos.external.length + sin.external.length,
      run: () => {
        const rows = 4096;
        const c = new Float32Array(rows * half);
        const sn = new Float32Array(rows * half);
        for (let p0 = 0; p0 < s.context; p0 += rows) {
          const n = Math.min(rows, s.context - p0);
          const cv = c.subarray(0, n * half);
          const sv = sn.subarray(0, n * half);
          fillRopeRows(inv, p0, cv, sv);
          const at = p0 * half * floatBytes;
          data.writeAt(cos.external.offset + at, ioType === DataType.FLOAT16 ? toHalfArray(cv) : cv);
          data.writeAt(sin.external.offset + at, ioType === DataType.FLOAT16 ? toHalfArray(sv) : sv);
        }
      },
    });
  }

  // ---- embedding: E [V, H], the same values as the tied lm_head
  const embedName = 'model.embed_tokens.weight';
  const embedKey = key(embedName);
  const shared = plan.sharedEmbedding === true && plan.format === 'int4' && s.tiedEmbeddings;
  const tiedFloat = plan.sharedEmbedding === true && (plan.format === 'fp32' || plan.format === 'fp16') && s.tiedEmbeddings;
  let embedded: string;
  if (shared) {
    // GatherBlockQuantized reads the lm_head's int4 blocks as they are, [V, kBlocks, bs/2] uint8
    // (bs values per block along axis 2), with its scales seen as [V, kBlocks, 1]; the gathered
    // [B, S, kBlocks, bs] rows are then [B, S, H]. Only the small scales tensor is reshaped, so
    // constant folding copies 4 bytes per block, not the packed matrix.
    if (s.hidden % plan.blockSize !== 0) throw new RangeError(`a shared int4 embedding needs hidden (${s.hidden}) to be a multiple of the block size (${plan.blockSize})`);
    const kBlocks = s.hidden / plan.blockSize;
    b.initializer(int64Const('/model/constants/embed_scales_shape', [s.vocab, kBlocks, 1], [3]));
    b.initializer(int64Const('/model/constants/embed_out_shape', [0, 0, s.hidden], [3]));
    const scales = b.op('Reshape', '/model/embed_tokens/Reshape_scales', [`${LM_HEAD}_scales`, '/model/constants/embed_scales_shape']);
    const blocks = b.op('GatherBlockQuantized', '/model/embed_tokens/GatherBlockQuantized', [`${LM_HEAD}_Q4`, inputIds, scales],
      { gather_axis: 0, quantize_axis: 2, block_size: plan.blockSize, bits: 4 }, 'com.microsoft');
    embedded = b.op('Reshape', '/model/embed_tokens/Reshape', [blocks, '/model/constants/embed_out_shape']);
  } else if (tiedFloat) {
    // The builder's float tied form (builders/base.py make_embedding, tied_unquantized_embeddings):
    // no table of its own; the lm_head's B [H, V] transposed to [V, H] is gathered from.
    const table = b.op('Transpose', '/model/embed_tokens/Transpose', [LM_HEAD], { perm: [1, 0] });
    embedded = b.op('Gather', '/model/embed_tokens/Gather', [table, inputIds], { axis: 0 });
  } else {
    const t = data.reserve(embedName, ioType, [s.vocab, s.hidden], s.vocab * s.hidden * floatBytes);
    b.initializer(t);
    jobs.push({
      tensor: embedName,
      bytes: t.external.length,
      run: () => {
        const rows = Math.max(1, Math.floor((8 << 20) / (s.hidden * 4)));
        const buf = new Float32Array(rows * s.hidden);
        for (let v0 = 0; v0 < s.vocab; v0 += rows) {
          const n = Math.min(rows, s.vocab - v0);
          for (let r = 0; r < n; r++) fillRow(buf.subarray(r * s.hidden, (r + 1) * s.hidden), embedKey, v0 + r, s.hidden);
          const chunk = buf.subarray(0, n * s.hidden);
          data.writeAt(t.external.offset + v0 * s.hidden * floatBytes, ioType === DataType.FLOAT16 ? toHalfArray(chunk) : chunk);
        }
      },
    });
    embedded = b.op('Gather', '/model/embed_tokens/Gather', [embedName, inputIds], { axis: 0 });
  }

  // ---- layers
  const qkvN = (s.heads + 2 * s.kvHeads) * s.headSize;
  let residual = embedded;
  let mlpOut: string | null = null;
  for (let i = 0; i < s.layers; i++) {
    const p = `/model/layers.${i}`;
    const w = `model.layers.${i}`;
    let x: string;
    const inNorm = ones(`${w}.input_layernorm.weight`, s.hidden);
    if (mlpOut === null) {
      x = b.op('SimplifiedLayerNormalization', `${p}/input_layernorm/LayerNorm`, [residual, inNorm], { axis: -1, epsilon: { float: s.rmsEps }, stash_type: 1 });
    } else {
      const outs = b.node('SkipSimplifiedLayerNormalization', `${p}/input_layernorm/SkipLayerNorm`, [mlpOut, residual, inNorm], {
        count: 4, domain: 'com.microsoft', attrs: { epsilon: { float: s.rmsEps } },
      });
      x = outs[0];
      residual = outs[3];
    }

    // attention
    const qkvW = `${w}.attn.qkv_proj.weight`;
    let qkv = linear(ctx, `${p}/attn/qkv_proj`, qkvW, x, s.hidden, qkvN, key(qkvW));
    if (s.qkvBias) {
      const biasName = `${w}.attn.qkv_proj.bias`;
      const biasKey = key(biasName);
      floatTensor(biasName, [qkvN], (v) => fillRow(v, biasKey, 0, qkvN));
      qkv = b.op('Add', `${p}/attn/qkv_proj/Add`, [qkv, biasName]);
    }
    const past = [`past_key_values.${i}.key`, `past_key_values.${i}.value`];
    const present = [`present.${i}.key`, `present.${i}.value`];
    const gqaAttrs = {
      num_heads: s.heads, kv_num_heads: s.kvHeads, scale: { float: 1 / Math.sqrt(s.headSize) },
      local_window_size: -1, softcap: { float: 0 }, rotary_interleaved: 0,
    };
    let attn: string;
    if (positionIds === null) {
      // [q, k, v packed] -> GQA rotates Q and K itself from the caches
      attn = b.node('GroupQueryAttention', `${p}/attn/GroupQueryAttention`, [qkv, '', '', past[0], past[1], seqlensK, totalLen, cosName, sinName], {
        outputs: [`${p}/attn/GroupQueryAttention/output_0`, present[0], present[1]], domain: 'com.microsoft', attrs: { ...gqaAttrs, do_rotary: 1 },
      })[0];
    } else {
      const splitName = `/model/constants/qkv_split_${i}`;
      b.initializer(int64Const(splitName, [s.heads * s.headSize, s.kvHeads * s.headSize, s.kvHeads * s.headSize], [3]));
      const [q, k, v] = b.node('Split', `${p}/attn/Split`, [qkv, splitName], { count: 3, attrs: { axis: -1 } });
      const rotAttrs = (heads: number) => ({ interleaved: 0, num_heads: heads, rotary_embedding_dim: rDim });
      const qr = b.op('RotaryEmbedding', `${p}/attn/q_rotary/RotaryEmbedding`, [q, positionIds, cosName, sinName], rotAttrs(s.heads), 'com.microsoft');
      const kr = b.op('RotaryEmbedding', `${p}/attn/k_rotary/RotaryEmbedding`, [k, positionIds, cosName, sinName], rotAttrs(s.kvHeads), 'com.microsoft');
      attn = b.node('GroupQueryAttention', `${p}/attn/GroupQueryAttention`, [qr, kr, v, past[0], past[1], seqlensK, totalLen], {
        outputs: [`${p}/attn/GroupQueryAttention/output_0`, present[0], present[1]], domain: 'com.microsoft', attrs: { ...gqaAttrs, do_rotary: 0 },
      })[0];
    }
    const oW = `${w}.attn.o_proj.weight`;
    const o = linear(ctx, `${p}/attn/o_proj`, oW, attn, s.heads * s.headSize, s.hidden, key(oW));

    // MLP: SiLU-gated, SiLU written as x * Sigmoid(x) as the builder does
    const postNorm = ones(`${w}.post_attention_layernorm.weight`, s.hidden);
    const post = b.node('SkipSimplifiedLayerNormalization', `${p}/post_attention_layernorm/SkipLayerNorm`, [o, residual, postNorm], {
      count: 4, domain: 'com.microsoft', attrs: { epsilon: { float: s.rmsEps } },
    });
    residual = post[3];
    const gW = `${w}.mlp.gate_proj.weight`;
    const uW = `${w}.mlp.up_proj.weight`;
    const dW = `${w}.mlp.down_proj.weight`;
    const gate = linear(ctx, `${p}/mlp/gate_proj`, gW, post[0], s.hidden, s.ffn, key(gW));
    const up = linear(ctx, `${p}/mlp/up_proj`, uW, post[0], s.hidden, s.ffn, key(uW));
    const sig = b.op('Sigmoid', `${p}/mlp/act_fn/Sigmoid`, [gate]);
    const silu = b.op('Mul', `${p}/mlp/act_fn/Mul`, [gate, sig]);
    const gated = b.op('Mul', `${p}/mlp/Mul`, [silu, up]);
    mlpOut = linear(ctx, `${p}/mlp/down_proj`, dW, gated, s.ffn, s.hidden, key(dW));
  }

  // ---- final norm and lm_head (tied: the embedding's values)
  const finalNorm = ones('model.norm.weight', s.hidden);
  const normed = b.node('SkipSimplifiedLayerNormalization', '/model/norm/SkipLayerNorm', [mlpOut ?? embedded, residual, finalNorm], {
    count: 1, domain: 'com.microsoft', attrs: { epsilon: { float: s.rmsEps } },
  })[0];
  const lastOnly = plan.logits === 'last';
  let lmInput = normed;
  if (lastOnly) {
    // [B, S, H] -> [B, 1, H]: only the position that is sampled goes through lm_head
    b.initializer(int64Const('/model/constants/last_position', [-1], [1]));
    lmInput = b.op('Gather', '/model/norm/Gather_last', [normed, '/model/constants/last_position'], { axis: 1 });
  }
  const lmKey = s.tiedEmbeddings ? embedKey : key('lm_head.weight');
  linear(ctx, '/lm_head', LM_HEAD, lmInput, s.hidden, s.vocab, lmKey, 'logits');

  // ---- outputs
  b.output('logits', ioType, ['batch_size', lastOnly ? 1 : 'sequence_length', s.vocab]);
  for (let i = 0; i < s.layers; i++) {
    for (const kv of ['key', 'value']) b.output(`present.${i}.${kv}`, ioType, ['batch_size', s.kvHeads, 'total_sequence_length', s.headSize]);
  }
  return { graph: b.graph(), jobs };
}
