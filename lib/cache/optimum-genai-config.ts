/**
 * genai_config.json for a Hugging Face Optimum / transformers.js folder (config.json at the
 * root, the graph under onnx/), so that ONNX Runtime GenAI, and through it Foundry Local,
 * can run it: Foundry lists a folder only when genai_config.json sits beside an
 * inference_model.json with a Name (Foundry-Local sdk_v2/cpp/src/catalog/local_model_scanner.cc).
 *
 * The file points at the graph under onnx/ and names its inputs as the graph has them. GenAI
 * feeds only input_ids, attention_mask, position_ids and past_key_values.%d.key|value
 * (config reference: https://onnxruntime.ai/docs/genai/reference/config.html), so a graph
 * with any other input (e.g. num_logits_to_keep), or without a KV cache, gets no file, and
 * the reason is returned instead. GenAI rejects unknown keys, so only its own keys are written.
 * Optimum graphs compute attention without GroupQueryAttention: present grows by concatenation,
 * so past_present_share_buffer is false.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectModelFolder, type ModelFolder } from '../engine/model-folder';
import { graphIoNames } from '../onnx/graph-io-names';
import { readJsonObject } from './files';

export const GENAI_CONFIG_FILE = 'genai_config.json';

/** The model types ONNX Runtime GenAI runs as language models (src/models/model_type.h, v0.15.0). */
export const GENAI_LLM_TYPES: readonly string[] = [
  'chatglm', 'decoder', 'ernie4_5', 'gemma', 'gemma2', 'gemma3_text', 'gemma4_text', 'gpt2', 'gptoss', 'granite',
  'hunyuandensev1', 'internlm2', 'lfm2', 'llama', 'mistral', 'nemotron', 'olmo', 'phi', 'phimoe', 'phi3', 'phi3small',
  'qwen2', 'qwen3', 'qwen3_5_moe_text', 'qwen3_5_text', 'smollm3',
];

export type OptimumGenaiConfig = { config: Record<string, unknown>; reason: null } | { config: null; reason: string };

const PAST_KEY = /^past_key_values\.(\d+)\.key$/;
const FED = new Set(['input_ids', 'attention_mask', 'position_ids']);

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function tokenIds(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
}

/**
 * The genai_config.json for `dir` whose graph is `onnxRel` (posix, relative to `dir`,
 * e.g. 'onnx/model_q4.onnx'), or why there can be none.
 */
export function optimumGenaiConfig(dir: string, onnxRel: string): OptimumGenaiConfig {
  const no = (reason: string): OptimumGenaiConfig => ({ config: null, reason });
  const config = readJsonObject(path.join(dir, 'config.json'));
  if (!config) return no('config.json is missing or not a JSON object');
  const generation = readJsonObject(path.join(dir, 'generation_config.json')) ?? {};
  let io: { inputs: string[]; outputs: string[] };
  try { io = graphIoNames(path.join(dir, onnxRel)); } catch (e) { return no(`${onnxRel} cannot be read as ONNX (${(e as Error).message})`); }
  const modelType = typeof config.model_type === 'string' ? config.model_type : '';
  if (!GENAI_LLM_TYPES.includes(modelType)) return no(`model_type '${modelType || '(none)'}' is not one ONNX Runtime GenAI runs as a language model`);
  const layers = io.inputs.filter((n) => PAST_KEY.test(n)).length;
  if (!io.inputs.includes('input_ids') || !io.inputs.includes('attention_mask') || layers === 0) {
    return no(`${onnxRel} lacks input_ids, attention_mask or a past_key_values.N.key cache input`);
  }
  const unfed = io.inputs.filter((n) => !FED.has(n) && !PAST_KEY.test(n) && !/^past_key_values\.\d+\.value$/.test(n));
  if (unfed.length) return no(`${onnxRel} has inputs ONNX Runtime GenAI does not feed: ${unfed.join(', ')}`);
  if (!io.outputs.includes('logits') || !io.outputs.includes('present.0.key')) return no(`${onnxRel} lacks the logits or present.N.key|value outputs`);

  const hidden = num(config.hidden_size);
  const heads = num(config.num_attention_heads);
  const kvHeads = num(config.num_key_value_heads) ?? heads;
  const headSize = num(config.head_dim) ?? (hidden !== null && heads ? hidden / heads : null);
  const context = num(config.max_position_embeddings) ?? num(config.n_positions);
  const vocab = num(config.vocab_size);
  if (hidden === null || heads === null || kvHeads === null || headSize === null || context === null || vocab === null) {
    return no('config.json lacks hidden_size, num_attention_heads, max_position_embeddings or vocab_size');
  }
  const eos = tokenIds(generation.eos_token_id).length ? tokenIds(generation.eos_token_id) : tokenIds(config.eos_token_id);
  const bos = num(config.bos_token_id) ?? num(generation.bos_token_id);
  const pad = num(config.pad_token_id) ?? num(generation.pad_token_id) ?? eos[0] ?? 0;
  const inputs: Record<string, string> = { input_ids: 'input_ids', attention_mask: 'attention_mask' };
  if (io.inputs.includes('position_ids')) inputs.position_ids = 'position_ids';
  const sampling = (key: string, fallback: number) => num(generation[key]) ?? fallback;
  return {
    reason: null,
    config: {
      model: {
        bos_token_id: bos ?? pad,
        context_length: context,
        decoder: {
          session_options: { log_id: 'onnxruntime-genai', provider_options: [] },
          filename: onnxRel,
          head_size: headSize,
          hidden_size: hidden,
          inputs: { ...inputs, past_key_names: 'past_key_values.%d.key', past_value_names: 'past_key_values.%d.value' },
          outputs: { logits: 'logits', present_key_names: 'present.%d.key', present_value_names: 'present.%d.value' },
          num_attention_heads: heads,
          num_hidden_layers: num(config.num_hidden_layers) ?? layers,
          num_key_value_heads: kvHeads,
        },
        eos_token_id: eos.length === 1 ? eos[0] : eos,
        pad_token_id: pad,
        type: modelType,
        vocab_size: vocab,
      },
      search: {
        diversity_penalty: 0, do_sample: generation.do_sample === true, early_stopping: true, length_penalty: 1, max_length: context,
        min_length: 0, no_repeat_ngram_size: 0, num_beams: 1, num_return_sequences: 1, past_present_share_buffer: false,
        repetition_penalty: sampling('repetition_penalty', 1), temperature: sampling('temperature', 1),
        top_k: sampling('top_k', 50), top_p: sampling('top_p', 1),
      },
    },
  };
}

/**
 * Writes genai_config.json into an Optimum folder that has none. Returns null when the file
 * is there (written now or before), else the reason it cannot be.
 */
export function ensureOptimumGenaiConfig(dir: string, onnxRel: string): string | null {
  const file = path.join(dir, GENAI_CONFIG_FILE);
  if (fs.existsSync(file)) return null;
  const r = optimumGenaiConfig(dir, onnxRel);
  if (r.config === null) return r.reason;
  fs.writeFileSync(file, JSON.stringify(r.config, null, 2) + '\n');
  return null;
}

/**
 * For a downloaded or quantised folder: when `dir` is read in the Optimum layout and has no
 * genai_config.json, writes one for the graph slmlab runs (`onnxFile` picks among several).
 * Returns null when the folder has the file now, else the reason it cannot have one.
 */
export function addGenaiConfigToOptimumFolder(dir: string, onnxFile?: string): string | null {
  if (fs.existsSync(path.join(dir, GENAI_CONFIG_FILE))) return null;
  let folder: ModelFolder;
  try { folder = inspectModelFolder(dir, onnxFile); } catch (e) { return `slmlab cannot read the folder (${(e as Error).message})`; }
  if (folder.layout !== 'optimum') return null;
  return ensureOptimumGenaiConfig(dir, path.relative(dir, folder.onnxPath).split(path.sep).join('/'));
}
