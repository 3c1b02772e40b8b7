/**
 * Plain records that cross the engine's boundary (and the worker thread's): requests,
 * streamed deltas, results with their timings. No classes, so they serialise as they are.
 */
import type { ChatMessage } from './tokenizer';
import type { ProviderName } from './providers';
import type { DeviceCopies } from './device-kv';

export type { ChatMessage };

export interface GenerateRequest {
  /** A single user turn; the chat template is applied unless `raw` is true. */
  prompt?: string;
  /** A whole conversation (takes precedence over `prompt`). */
  messages?: ChatMessage[];
  /** Feed `prompt` to the model as it is, without the chat template. */
  raw?: boolean;
  /** Most tokens to generate (default 256). */
  maxTokens?: number;
  /** 0 (default) is greedy decoding: bit-identical across runs. */
  temperature?: number;
  topP?: number;
  topK?: number;
  /** Seed of the sampler; the same seed and request reproduce the same text. */
  seed?: number;
  /** Generation ends before any of these strings; they are not part of the text. */
  stop?: string[];
}

export type FinishReason = 'stop' | 'length' | 'abort';

export interface TextDelta {
  text: string;
  /** 0-based index of the generated token that completed this text. */
  index: number;
  tokenId: number;
  /** Tokens in the prompt (for per-chunk usage, as vLLM's continuous_usage_stats reports it). */
  promptTokens: number;
}

/**
 * Milliseconds, measured inside the engine (the worker thread) with performance.now().
 * Time a request spends waiting (behind other requests' prefills or for a batch slot) is
 * queueMs and nothing else, so the figures below are this request's own work.
 *   ttftMs      = tokenizeMs + prefillMs   (request start -> first token sampled)
 *   decodeMs[i] = time from token i to token i + 1 (inter-token latency)
 *   totalMs     = request start -> last token (or stop)
 */
export interface GenerationTimings {
  /** Waiting for earlier requests on the same model (for a batch slot, or behind other prompts' prefill). */
  queueMs: number;
  tokenizeMs: number;
  prefillMs: number;
  ttftMs: number;
  /** Request start -> the first non-empty text delta emitted (what a streaming client sees first); null if none. */
  firstTextMs: number | null;
  decodeMs: number[];
  totalMs: number;
  /**
   * Debug: how many sequences shared each decode step (decodeBatchSizes[i] goes with decodeMs[i]);
   * all 1 when the request ran alone or the model runs unbatched.
   */
  decodeBatchSizes?: number[];
  /** Debug: how many prompts shared this request's (first) prefill run, and in how many runs its prompt was prefilled (chunks). */
  prefillBatchSize?: number;
  prefillRuns?: number;
  /** Device providers, one sequence at a time: tensors copied between host and device (device-kv.ts). */
  copies?: DeviceCopies;
}

export interface GenerationResult {
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  tokenIds: number[];
  timings: GenerationTimings;
  /** (completionTokens - 1) / sum(decodeMs) * 1000: decode speed without prefill. */
  decodeTokensPerSecond: number | null;
  model: string;
  provider: ProviderName;
  synthetic: boolean;
  /** Set when the prompt was not built with the model's own chat template (chat-template.ts templateNote). */
  templateNote?: string;
}
