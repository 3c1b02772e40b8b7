/**
 * `slmlab model export <model> --gguf`: an ONNX decoder folder (a twin or a builder export)
 * -> one .gguf file llama.cpp loads, holding the same quantised values (linear-tensor.ts).
 *
 * Tensor names and hyperparameter keys follow llama.cpp's (gguf-py/gguf/constants.py,
 * MODEL_ARCH.QWEN2): token_embd, blk.N.{attn_norm, attn_q, attn_k, attn_v (+ .bias),
 * attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down}, output_norm, output; and
 * {arch}.block_count, .context_length, .embedding_length, .feed_forward_length,
 * .attention.head_count[_kv], .attention.key_length/value_length, .rope.freq_base,
 * .attention.layer_norm_rms_epsilon.
 *
 * Embedding and lm_head: when the ONNX embedding gathers the lm_head's int4 blocks (builder
 * >= 0.15, tied models) the GGUF has one token_embd in Q4_0 and no output tensor, which is how
 * llama.cpp ties them. When the ONNX file keeps a float embedding beside a quantised lm_head
 * (the classic layout), both are written (token_embd float, output quantised): that is what
 * the ONNX model computes, value for value.
 *
 * Architectures: qwen2 (rotate-half RoPE, as GroupQueryAttention's rotary_interleaved = 0),
 * llama (Q/K rows reordered for llama.cpp's pairwise RoPE; Llama 3 frequency scaling as a
 * rope_freqs tensor) and phi3 (llama.cpp src/models/phi3.cpp: rotate-half RoPE like qwen2, over
 * the partial rotary dimensions; q, k, v stacked into attn_qkv and gate, up into ffn_up, in that
 * order: ggml_swiglu applies SiLU to the first half, as Phi3MLP's gate_up_proj.chunk(2) does).
 * phi3 with LongRoPE (rope_scaling longrope/su) is refused with the reason.
 */

/**
 * Row order within a head: ONNX/HF keep rotary pairs (i, i + hs/2); llama.cpp's NORM RoPE wants
 * them adjacent (2i, 2i + 1). New row h*hs + 2j + a takes old row h*hs + a*hs/2 + j.
 */
function halvesToPairs(hs: number): (r: number) => number {
  return (r) => {
    const h = Math.floor(r / hs);
    const w = r - h * hs;
    return h * hs + (w & 1) * (hs / 2) + (w >> 1);
  };
}

/**
 * llama.cpp's rope_freqs (one divisor per rotary pair): the unscaled inverse frequency over the
 * Llama 3 scaled one, from config.json's rope_scaling; null without Llama 3 scaling.
 */
function llama3FreqFactors(config: Record<string, unknown>, headDim: number): Float32Array | null {
  const rs = config.rope_scaling as { rope_type?: string; factor?: number; low_freq_factor?: number; high_freq_factor?: number; original_max_position_embeddings?: number } | undefined;
  if (!rs || rs.rope_type !== 'llama3') return null;
  const theta = typeof config.rope_theta === 'number' ? config.rope_theta : 10000;
  const plain = inverseFrequencies(headDim, { theta, partialFactor: 1 });
  const scaled = inverseFrequencies(headDim, {
    theta, partialFactor: 1,
    llama3: { factor: rs.factor ?? 1, lowFreqFactor: rs.low_freq_factor ?? 1, highFreqFactor: rs.high_freq_factor ?? 4, originalContext: rs.original_max_position_embeddings ?? 8192 },
  });
  return Float32Array.from(plain, (v, i) => v / scaled[i]);
}
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelInvalidError } from '../errors';
import { decodeModel } from '../onnx/decode-model';
import { TensorBytesReader } from '../onnx/tensor-bytes';
import { inspectModelFolder } from '../engine/model-folder';
import { GgmlType, writeGguf, type GgufTensorSpec, type GgufValue } from '../onnx/gguf-writer';
import { inverseFrequencies } from '../synth/rope';
import { findDecoderWeights, type Linear } from './onnx-weights';
import { floatTensor, linearTensor, type TensorConversion } from './linear-tensor';
import { tokenizerMetadata } from './tokenizer-metadata';
import { fusedRows } from './fused-tensor';

export interface GgufExportOptions {
  /** Output file; default: <model folder>/model.gguf. */
  out?: string;
  /** Refuse instead of converting when a value cannot be carried exactly (a scale that is not fp16). */
  exact?: boolean;
  onProgress?: (p: { tensor: string; index: number; total: number }) => void;
}

export interface GgufExportReport {
  file: string;
  source: string;
  architecture: string;
  bytes: number;
  tensors: number;
  /** True when every weight in the GGUF equals the ONNX model's (after its own dequantisation). */
  exact: boolean;
  /** What changed, in words: rounded scales, F32 fallbacks, padded vocabulary. */
  changes: string[];
  conversions: TensorConversion[];
  seconds: number;
}

const PRE_TOKENIZER: Record<string, string> = { qwen2: 'qwen2', llama: 'llama-bpe', phi3: 'gpt-4o' };

function readConfig(dir: string): Record<string, unknown> {
  try { return JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>; } catch (e) {
    throw new ModelInvalidError(`cannot read ${dir}/config.json (${(e as Error).message}): GGUF export needs the model's Hugging Face config.json for its hyperparameters`);
  }
}

function num(config: Record<string, unknown>, key: string, fallback?: number): number {
  const v = config[key];
  if (typeof v === 'number') return v;
  if (fallback !== undefined) return fallback;
  throw new ModelInvalidError(`config.json has no number '${key}': GGUF export needs it`);
}

/** Exports the ONNX model in `dir` to GGUF. */
export function exportGguf(dir: string, options: GgufExportOptions = {}): GgufExportReport {
  const started = Date.now();
  const folder = inspectModelFolder(dir);
  const config = readConfig(folder.dir);
  const arch = String(config.model_type ?? folder.modelType);
  if (arch !== 'qwen2' && arch !== 'llama' && arch !== 'phi3') {
    throw new ModelInvalidError(`GGUF export of '${arch}' models is not implemented (qwen2, llama and phi3 are): export a model of one of those architectures`);
  }
  if (arch === 'phi3') refuseLongRope(config);
  const graph = decodeModel(fs.readFileSync(folder.onnxPath)).graph;
  const w = findDecoderWeights(graph);
  const reader = new TensorBytesReader(path.dirname(folder.onnxPath));
  const hidden = num(config, 'hidden_size');
  const heads = num(config, 'num_attention_heads');
  const kvHeads = num(config, 'num_key_value_heads', heads);
  const headDim = num(config, 'head_dim', hidden / heads);
  const vocab = w.lmHead.N;
  const partial = num(config, 'partial_rotary_factor', 1);
  const ropeDims = Math.floor(headDim * partial);
  // llama.cpp's phi3 reads attn_output as [n_embd, n_embd] (src/models/phi3.cpp).
  if (arch === 'phi3' && heads * headDim !== hidden) throw new ModelInvalidError(`phi3: ${heads} heads x ${headDim} = ${heads * headDim} differs from hidden_size ${hidden}, and llama.cpp's phi3 needs them equal: this model cannot run there`);
  const conv: TensorConversion[] = [];
  const tensors: GgufTensorSpec[] = [];

  if (w.sharedEmbedding) tensors.push(linearTensor(reader, w.lmHead, 'token_embd.weight', 0, vocab, conv));
  else tensors.push(floatTensor(reader, w.embedding!, 'token_embd.weight', conv));
  const qRows = heads * headDim;
  const kvRows = kvHeads * headDim;
  w.layers.forEach((l, i) => {
    const b = `blk.${i}`;
    tensors.push(floatTensor(reader, l.attnNorm, `${b}.attn_norm.weight`, conv));
    const parts: [string, Linear, number, number][] = l.qkv
      ? [['attn_q', l.qkv, 0, qRows], ['attn_k', l.qkv, qRows, qRows + kvRows], ['attn_v', l.qkv, qRows + kvRows, qRows + 2 * kvRows]]
      : [['attn_q', l.q!, 0, l.q!.N], ['attn_k', l.k!, 0, l.k!.N], ['attn_v', l.v!, 0, l.v!.N]];
    if (l.qkv && l.qkv.N !== qRows + 2 * kvRows) throw new ModelInvalidError(`layer ${i}: the packed qkv projection has ${l.qkv.N} rows, config.json implies ${qRows + 2 * kvRows}: the config does not describe this graph`);
    if (arch === 'phi3') {
      phi3Layer(reader, l, b, parts, tensors, conv);
      return;
    }
    for (const [name, lin, r0, r1] of parts) {
      // llama: llama.cpp rotates adjacent pairs (rope type NORM), ONNX Runtime's GQA the two halves
      // of each head (rotary_interleaved = 0): Q and K rows are reordered per head, as
      // convert_hf_to_gguf.py's LlamaModel.permute does (gguf-py, llama.cpp).
      const perm = arch === 'llama' && name !== 'attn_v' ? halvesToPairs(headDim) : undefined;
      tensors.push(linearTensor(reader, lin, `${b}.${name}.weight`, r0, r1, conv, perm));
    }
    if (l.qkvBias) {
      tensors.push(floatTensor(reader, l.qkvBias, `${b}.attn_q.bias`, conv, 0, qRows));
      tensors.push(floatTensor(reader, l.qkvBias, `${b}.attn_k.bias`, conv, qRows, qRows + kvRows));
      tensors.push(floatTensor(reader, l.qkvBias, `${b}.attn_v.bias`, conv, qRows + kvRows, qRows + 2 * kvRows));
    }
    for (const [name, t] of [['attn_q', l.qBias], ['attn_k', l.kBias], ['attn_v', l.vBias]] as const) {
      if (t) tensors.push(floatTensor(reader, t, `${b}.${name}.bias`, conv));
    }
    tensors.push(linearTensor(reader, l.o, `${b}.attn_output.weight`, 0, l.o.N, conv));
    tensors.push(floatTensor(reader, l.ffnNorm, `${b}.ffn_norm.weight`, conv));
    tensors.push(linearTensor(reader, l.gate, `${b}.ffn_gate.weight`, 0, l.gate.N, conv));
    tensors.push(linearTensor(reader, l.up, `${b}.ffn_up.weight`, 0, l.up.N, conv));
    tensors.push(linearTensor(reader, l.down, `${b}.ffn_down.weight`, 0, l.down.N, conv));
  });
  tensors.push(floatTensor(reader, w.finalNorm, 'output_norm.weight', conv));
  const ropeFreqs = arch === 'llama' ? llama3FreqFactors(config, headDim) : null;
  if (ropeFreqs) {
    tensors.push({ name: 'rope_freqs.weight', type: GgmlType.F32, ne: [ropeFreqs.length], write: (emit) => emit(new Uint8Array(ropeFreqs.buffer)) });
    conv.push({ tensor: 'rope_freqs.weight', from: 'config.json rope_scaling (llama3)', to: 'F32', stats: { blocks: 0, roundedScales: 0, maxRelativeChange: 0 } });
  }
  if (!w.sharedEmbedding) tensors.push(linearTensor(reader, w.lmHead, 'output.weight', 0, vocab, conv));

  const tok = tokenizerMetadata(folder.dir, vocab, PRE_TOKENIZER[arch]);
  const meta = new Map<string, GgufValue>();
  const fileType = conv.some((c) => c.to === 'Q4_0') ? 2 : conv.some((c) => c.to === 'Q4_1') ? 3 : conv.some((c) => c.to === 'Q8_0') ? 7 : conv.some((c) => c.to === 'F16') ? 1 : 0;
  meta.set('general.architecture', { type: 'string', value: arch });
  meta.set('general.name', { type: 'string', value: ggufModelName(folder.name) });
  meta.set('general.file_type', { type: 'u32', value: fileType });
  meta.set('general.quantization_version', { type: 'u32', value: 2 });
  meta.set('general.source.url', { type: 'string', value: 'slmlab model export --gguf' });
  meta.set(`${arch}.block_count`, { type: 'u32', value: w.layers.length });
  meta.set(`${arch}.context_length`, { type: 'u32', value: num(config, 'max_position_embeddings', folder.contextLength) });
  meta.set(`${arch}.embedding_length`, { type: 'u32', value: hidden });
  meta.set(`${arch}.feed_forward_length`, { type: 'u32', value: num(config, 'intermediate_size') });
  meta.set(`${arch}.attention.head_count`, { type: 'u32', value: heads });
  meta.set(`${arch}.attention.head_count_kv`, { type: 'u32', value: kvHeads });
  meta.set(`${arch}.attention.key_length`, { type: 'u32', value: headDim });
  meta.set(`${arch}.attention.value_length`, { type: 'u32', value: headDim });
  meta.set(`${arch}.rope.dimension_count`, { type: 'u32', value: ropeDims });
  meta.set(`${arch}.vocab_size`, { type: 'u32', value: vocab });
  meta.set(`${arch}.rope.freq_base`, { type: 'f32', value: num(config, 'rope_theta', 10000) });
  meta.set(`${arch}.attention.layer_norm_rms_epsilon`, { type: 'f32', value: num(config, 'rms_norm_eps', 1e-6) });
  for (const [k, v] of tok.entries) meta.set(k, v);

  const changes: string[] = [...tok.notes];
  const out = path.resolve(options.out ?? path.join(folder.dir, 'model.gguf'));
  const tmp = `${out}.partial-${process.pid}`;
  let bytes: number;
  try {
    const r = writeGguf(tmp, meta, tensors, (name, index) => options.onProgress?.({ tensor: name, index, total: tensors.length }));
    bytes = r.bytes;
    for (const c of conv) {
      if (c.note) changes.push(`${c.tensor}: ${c.note}`);
    }
    const roundedAfter = conv.filter((c) => c.stats.roundedScales > 0);
    if (roundedAfter.length) {
      const n = roundedAfter.reduce((a, c) => a + c.stats.roundedScales, 0);
      const total = roundedAfter.reduce((a, c) => a + c.stats.blocks, 0);
      const maxRel = Math.max(...roundedAfter.map((c) => c.stats.maxRelativeChange));
      if (options.exact) {
        throw new ModelInvalidError(`${n} of ${total} block scales in ${roundedAfter.length} tensors are not fp16 numbers, so GGUF cannot hold them exactly (largest change ${maxRel.toExponential(2)}): rebuild the twin with \`--scales fp16\` or export without --exact`);
      }
      changes.push(`${n} of ${total} block scales in ${roundedAfter.length} tensors rounded to fp16 (largest relative change ${maxRel.toExponential(2)}; the 4-bit values are unchanged): build twins with --scales fp16 for an exact copy`);
    }
    fs.renameSync(tmp, out);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  } finally {
    reader.close();
  }
  const exact = conv.every((c) => c.stats.roundedScales === 0);
  return {
    file: out, source: folder.onnxPath, architecture: arch, bytes, tensors: tensors.length, exact,
    changes, conversions: conv, seconds: (Date.now() - started) / 1000,
  };
}

/**
 * Phi-3 LongRoPE (rope_scaling type longrope, or su in older configs) is refused: ONNX Runtime
 * GenAI's builder picks the short or long factors per step from the current length, llama.cpp
 * once per context from its size (llama-model.cpp get_rope_factors), and the attention factors
 * would have to be matched too; nothing here checks that the two then compute the same.
 */
function refuseLongRope(config: Record<string, unknown>): void {
  const rs = config.rope_scaling as { type?: string; rope_type?: string } | null | undefined;
  if (!rs) return;
  const kind = rs.rope_type ?? rs.type ?? 'unknown';
  throw new ModelInvalidError(`phi3 with rope_scaling '${kind}' is refused: ONNX Runtime switches LongRoPE factors by the current length, llama.cpp by context size, so the GGUF would not compute what the ONNX model does; export a model without rope_scaling (slmlab's phi-4-mini twin has none)`);
}

/** One phi3 layer: norms, attn_qkv (q, k, v rows stacked), attn_output, ffn_up (gate, up rows stacked), ffn_down. */
function phi3Layer(reader: TensorBytesReader, l: ReturnType<typeof findDecoderWeights>['layers'][number], b: string, parts: [string, Linear, number, number][], tensors: GgufTensorSpec[], conv: TensorConversion[]): void {
  // Each part is converted on its own (its record keeps its own name), then stacked.
  const qkv = parts.map(([name, lin, r0, r1]) => linearTensor(reader, lin, `${b}.attn_qkv.weight[${name.slice(5)}]`, r0, r1, conv));
  tensors.push(fusedRows(`${b}.attn_qkv.weight`, qkv));
  if (l.qkvBias) tensors.push(floatTensor(reader, l.qkvBias, `${b}.attn_qkv.bias`, conv));
  if (l.qBias || l.kBias || l.vBias) throw new ModelInvalidError(`${b}: separate q/k/v biases in a phi3 model have no fused form here: Phi-3 models have no attention biases; export a model without them`);
  tensors.push(linearTensor(reader, l.o, `${b}.attn_output.weight`, 0, l.o.N, conv));
  tensors.push(floatTensor(reader, l.ffnNorm, `${b}.ffn_norm.weight`, conv));
  const gate = linearTensor(reader, l.gate, `${b}.ffn_up.weight[gate]`, 0, l.gate.N, conv);
  const up = linearTensor(reader, l.up, `${b}.ffn_up.weight[up]`, 0, l.up.N, conv);
  tensors.push(fusedRows(`${b}.ffn_up.weight`, [gate, up]));
  tensors.push(linearTensor(reader, l.down, `${b}.ffn_down.weight`, 0, l.down.N, conv));
}

/**
 * general.name, with "phi3" / "phi-3" spelt "phi 3": llama.cpp keys a Phi-3 tokenizer quirk on
 * that name (llama-vocab.cpp: right-strip after every special token, and it looks up "</s>",
 * "<unk>" and "<s>", failing to load a vocabulary without them). That quirk is for Phi-3-mini's
 * SentencePiece vocabulary, which this exporter refuses (tokenizer-metadata.ts); on the byte-level
 * BPE vocabularies it writes it would change tokenisation or stop the load.
 */
function ggufModelName(name: string): string {
  return name.replace(/phi-?3/gi, (m) => `${m.slice(0, 3)} 3`);
}
