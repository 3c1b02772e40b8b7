/**
 * Model shapes: the dimensions of real decoder-only models, so that a synthetic twin
 * computes and moves exactly what the real model does per token.
 *
 * Dimension legend used across synth/ and engine/:
 *   B = batch, S = new tokens this step, P = past tokens, T = P + S,
 *   H = hidden size, nh = attention heads, kvh = key/value heads, hs = head size,
 *   F = MLP (FFN) size, V = vocabulary, L = layers.
 */
export type TokenizerFamily = 'byte' | 'qwen2' | 'llama3' | 'phi4';

export interface RopeSpec {
  /** Base of the rotary frequencies (rope_theta). */
  theta: number;
  /** Fraction of each head that is rotated (Phi-4-mini: 0.75). */
  partialFactor: number;
  /** Llama 3 frequency scaling (rope_scaling.rope_type = "llama3"), if any. */
  llama3?: { factor: number; lowFreqFactor: number; highFreqFactor: number; originalContext: number };
}

export interface ModelShape {
  /** Shape name as used on the CLI (`slmlab model build qwen2.5-0.5b`). */
  name: string;
  /** The real model this shape twins, or null for test shapes. */
  twinOf: string | null;
  /** model_type in config.json / genai_config.json. */
  modelType: 'qwen2' | 'llama' | 'phi3';
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  headSize: number;
  ffn: number;
  vocab: number;
  context: number;
  rmsEps: number;
  rope: RopeSpec;
  /** Q/K/V projections carry a bias (Qwen2). */
  qkvBias: boolean;
  /** The real model ties lm_head to the embedding; the ONNX builder still writes both. */
  tiedEmbeddings: boolean;
  tokenizer: TokenizerFamily;
  /** Where the twin differs from the real model, in words; shown in config and CLI output. */
  differences: string[];
}

const qwenRope: RopeSpec = { theta: 1_000_000, partialFactor: 1 };

/** Built-in shapes. Dimensions from each model's config.json on Hugging Face. */
export const SHAPES: Readonly<Record<string, ModelShape>> = Object.freeze({
  tiny: {
    name: 'tiny', twinOf: null, modelType: 'qwen2',
    layers: 2, hidden: 64, heads: 4, kvHeads: 2, headSize: 16, ffn: 128, vocab: 259, context: 512,
    rmsEps: 1e-6, rope: { theta: 10_000, partialFactor: 1 }, qkvBias: true, tiedEmbeddings: false, tokenizer: 'byte',
    differences: ['test model: tiny dimensions and a byte-level tokenizer, not a real model'],
  },
  'qwen2.5-0.5b': {
    name: 'qwen2.5-0.5b', twinOf: 'Qwen/Qwen2.5-0.5B-Instruct', modelType: 'qwen2',
    layers: 24, hidden: 896, heads: 14, kvHeads: 2, headSize: 64, ffn: 4864, vocab: 151_936, context: 32_768,
    rmsEps: 1e-6, rope: qwenRope, qkvBias: true, tiedEmbeddings: true, tokenizer: 'qwen2',
    differences: ['tokenizer is Qwen3\'s (same byte-level BPE vocabulary as Qwen2.5 up to id 151664, plus the <think> tokens)'],
  },
  'qwen2.5-1.5b': {
    name: 'qwen2.5-1.5b', twinOf: 'Qwen/Qwen2.5-1.5B-Instruct', modelType: 'qwen2',
    layers: 28, hidden: 1536, heads: 12, kvHeads: 2, headSize: 128, ffn: 8960, vocab: 151_936, context: 32_768,
    rmsEps: 1e-6, rope: qwenRope, qkvBias: true, tiedEmbeddings: true, tokenizer: 'qwen2',
    differences: ['tokenizer is Qwen3\'s (same byte-level BPE vocabulary as Qwen2.5 up to id 151664, plus the <think> tokens)'],
  },
  'llama-3.2-1b': {
    name: 'llama-3.2-1b', twinOf: 'meta-llama/Llama-3.2-1B-Instruct', modelType: 'llama',
    layers: 16, hidden: 2048, heads: 32, kvHeads: 8, headSize: 64, ffn: 8192, vocab: 128_256, context: 131_072,
    rmsEps: 1e-5,
    rope: { theta: 500_000, partialFactor: 1, llama3: { factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 } },
    qkvBias: false, tiedEmbeddings: true, tokenizer: 'llama3',
    differences: ['chat template is the short Llama 3 one (no tool-calling or date header block)'],
  },
  'phi-4-mini': {
    name: 'phi-4-mini', twinOf: 'microsoft/Phi-4-mini-instruct', modelType: 'phi3',
    layers: 32, hidden: 3072, heads: 24, kvHeads: 8, headSize: 128, ffn: 8192, vocab: 200_064, context: 131_072,
    rmsEps: 1e-5, rope: { theta: 10_000, partialFactor: 0.75 }, qkvBias: false, tiedEmbeddings: true, tokenizer: 'phi4',
    differences: [
      'LongRoPE: the real model switches between short and long rescaled rotary caches (past 4096 tokens); the twin uses one unscaled cache of the same size, so per-token compute is identical',
      'the real Phi-3 builder packs gate and up projections into one MatMul; the twin keeps them as two MatMuls of the same total size',
    ],
  },
});

export function shapeNames(): string[] {
  return Object.keys(SHAPES);
}

/** Parameters in the decoder's matrices, embedding and lm_head included (norms and biases too). */
export function parameterCount(s: ModelShape): number {
  const qkv = s.hidden * (s.heads + 2 * s.kvHeads) * s.headSize + (s.qkvBias ? (s.heads + 2 * s.kvHeads) * s.headSize : 0);
  const o = s.heads * s.headSize * s.hidden;
  const mlp = 3 * s.hidden * s.ffn;
  const norms = 2 * s.hidden;
  const perLayer = qkv + o + mlp + norms;
  const embed = s.vocab * s.hidden;
  return s.layers * perLayer + embed + (s.tiedEmbeddings ? 0 : embed) + s.hidden;
}
