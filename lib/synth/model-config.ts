/**
 * The JSON files written beside a synthetic model: genai_config.json (ONNX Runtime GenAI's
 * format, builder.py make_genai_config), config.json (Hugging Face's), generation_config.json.
 * Every file says the model is synthetic, so nothing downstream can mistake it for a real one.
 */
import type { ModelShape } from './shapes';
import type { Layout, LogitsMode } from './decoder-graph';
import type { TokenizerFileSet } from './tokenizer-files';

export interface SyntheticInfo {
  synthetic: true;
  note: string;
  shape: string;
  twin_of: string | null;
  precision: string;
  block_size: number | null;
  accuracy_level: number | null;
  seed: number;
  layout: Layout;
  /** 'last' when the graph computes logits for the last position only (not the real model's graph). */
  logits: LogitsMode;
  /** int4 block scales: 'fp16' when rounded to fp16 (exact in GGUF Q4_0), else 'fp32'. */
  scales?: 'fp32' | 'fp16';
  differences: string[];
  tokenizer: string;
  builder: string;
}

export const SYNTHETIC_NOTE = 'Synthetic model: real architecture and size, seeded random weights. Its speed is that of the real model; its text is meaningless.';

/**
 * What a synthetic model is, in one sentence: a twin (twinOf set) has its real model's
 * architecture and size; a test model (tiny, and models quantised from it) has no real model.
 */
export function syntheticNote(twinOf: string | null | undefined): string {
  return twinOf
    ? `Synthetic twin of ${twinOf}: its architecture and size, seeded random weights. Its speed is that of the real model; its text is meaningless.`
    : 'Synthetic test model: a small made-up architecture that no real model has, seeded random weights. Neither its speed nor its text means anything; it shows that things run.';
}

/** The twin_of recorded in a synthetic folder's config.json `slmlab` block (kept by quantisation), or null. */
export function twinOfRecord(synthetic: Record<string, unknown> | null | undefined): string | null {
  const t = synthetic?.twin_of;
  return typeof t === 'string' && t !== '' ? t : null;
}

export function genaiConfig(shape: ModelShape, tok: TokenizerFileSet, filename: string): Record<string, unknown> {
  return {
    model: {
      bos_token_id: tok.bosTokenId ?? tok.padTokenId,
      context_length: shape.context,
      decoder: {
        session_options: { log_id: 'onnxruntime-genai', provider_options: [] },
        filename,
        head_size: shape.headSize,
        hidden_size: shape.hidden,
        inputs: {
          input_ids: 'input_ids',
          attention_mask: 'attention_mask',
          past_key_names: 'past_key_values.%d.key',
          past_value_names: 'past_key_values.%d.value',
        },
        outputs: { logits: 'logits', present_key_names: 'present.%d.key', present_value_names: 'present.%d.value' },
        num_attention_heads: shape.heads,
        num_hidden_layers: shape.layers,
        num_key_value_heads: shape.kvHeads,
      },
      eos_token_id: tok.eosTokenIds.length === 1 ? tok.eosTokenIds[0] : tok.eosTokenIds,
      pad_token_id: tok.padTokenId,
      type: shape.modelType,
      vocab_size: shape.vocab,
    },
    search: {
      diversity_penalty: 0, do_sample: false, early_stopping: true, length_penalty: 1, max_length: shape.context,
      min_length: 0, no_repeat_ngram_size: 0, num_beams: 1, num_return_sequences: 1, past_present_share_buffer: false,
      repetition_penalty: 1, temperature: 1, top_k: 50, top_p: 1,
    },
  };
}

export function hfConfig(shape: ModelShape, tok: TokenizerFileSet, info: SyntheticInfo): Record<string, unknown> {
  const arch = { qwen2: 'Qwen2ForCausalLM', llama: 'LlamaForCausalLM', phi3: 'Phi3ForCausalLM' }[shape.modelType];
  const config: Record<string, unknown> = {
    architectures: [arch],
    model_type: shape.modelType,
    hidden_size: shape.hidden,
    intermediate_size: shape.ffn,
    num_attention_heads: shape.heads,
    num_hidden_layers: shape.layers,
    num_key_value_heads: shape.kvHeads,
    head_dim: shape.headSize,
    vocab_size: shape.vocab,
    max_position_embeddings: shape.context,
    rms_norm_eps: shape.rmsEps,
    rope_theta: shape.rope.theta,
    tie_word_embeddings: shape.tiedEmbeddings,
    bos_token_id: tok.bosTokenId,
    eos_token_id: tok.eosTokenIds.length === 1 ? tok.eosTokenIds[0] : tok.eosTokenIds,
    pad_token_id: tok.padTokenId,
    torch_dtype: info.precision === 'fp16' ? 'float16' : 'float32',
    // transformers.js loads model.onnx_data only when told to (utils/model-loader.js)
    'transformers.js_config': { use_external_data_format: true },
    slmlab: info,
  };
  if (shape.rope.partialFactor !== 1) config.partial_rotary_factor = shape.rope.partialFactor;
  if (shape.rope.llama3) {
    const l = shape.rope.llama3;
    config.rope_scaling = { rope_type: 'llama3', factor: l.factor, low_freq_factor: l.lowFreqFactor, high_freq_factor: l.highFreqFactor, original_max_position_embeddings: l.originalContext };
  }
  return config;
}

export function generationConfig(tok: TokenizerFileSet): Record<string, unknown> {
  return {
    bos_token_id: tok.bosTokenId,
    eos_token_id: tok.eosTokenIds,
    pad_token_id: tok.padTokenId,
    do_sample: false,
  };
}
