/**
 * How a model is loaded: one record, passed unchanged from the caller (loadModel, ProcessModel,
 * the service's model manager) through the host's protocol to the engine that reads it (the
 * worker's in-thread engine, or llama.cpp's loader). A new option is added here and where the
 * engine reads it; the hosts in between never name the fields.
 */
import type { PrefillWeights } from './int8-prefill';
import { InvalidRequestError } from '../errors';
import type { GraphOptimizationLevel } from './decoder-session';
import type { ProviderName } from './providers';

export interface LoadOptions {
  /** 'cpu' (default), 'webgpu' or 'cuda'. */
  provider?: ProviderName | string;
  /** Use cpu when the provider asked for is unusable, instead of failing. */
  fallback?: boolean;
  /** Intra-op threads (0 = ONNX Runtime's default: one per physical core). */
  threads?: number;
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** In an Optimum folder with several .onnx files, which one (e.g. 'model_q4.onnx'). */
  onnxFile?: string;
  /**
   * Most requests decoded together (continuous batching); default DEFAULT_MAX_BATCH. 1 runs
   * them one after another (unbatched). A model whose graph fails the load-time batching
   * check runs unbatched whatever this says (see info.batching).
   */
  maxBatch?: number;
  /** Compute logits for the last position only (a load-time graph rewrite, last-position-logits.ts); default off. */
  lastPositionLogits?: boolean;
  /** 'int8': prefill on an int8 copy of the int4 weights, decode on the model's own (int8-prefill.ts; opt-in, changes the logits). Default 'model'. */
  prefillWeights?: PrefillWeights;
  /**
   * Longest prefill run for one prompt when batching (tokens): a longer prompt is prefilled in
   * chunks with decode steps of the running requests between them. 0 (default): whole prompts.
   */
  prefillChunk?: number;
  /** webgpu may run on a software adapter (SwiftShader): correctness only; default SLMLAB_ALLOW_SOFTWARE_GPU (providers.ts). */
  allowSoftwareGpu?: boolean;
  /**
   * webgpu: keep the KV cache on the device between steps, reading back only the logits
   * (device-kv.ts); requests then decode one at a time. Default true on webgpu; false batches on webgpu.
   */
  kvOnDevice?: boolean;
  /**
   * Which engine runs the model: 'onnxruntime' (default) or 'llama.cpp' (on a GGUF export of
   * the same weights, lib/engines/llama-cpp/llama-model.ts; process engine only).
   */
  engine?: 'onnxruntime' | 'llama.cpp';
}

/**
 * Default for LoadOptions.maxBatch, measured on the 2-core development machine with the
 * qwen2.5-0.5b int4 twin, 2 threads, one decode step of B sequences (median of rounds; the
 * machine was shared, load average 3.6 and 12):
 *   B            1      2      4      8      16
 *   tok/s      25.6   40.0   52.6   57.3   62.7     (load 3.6)
 *   tok/s       3.3    6.1    9.6    9.9   11.6     (load 12)
 * Aggregate speed still rises (or holds) from 4 to 8, so 8 concurrent streams all make progress
 * instead of half of them waiting for whole answers; beyond 8 it barely rises while every
 * stream's per-token latency keeps growing.
 */
export const DEFAULT_MAX_BATCH = 8;
/** Largest maxBatch accepted. */
export const MAX_BATCH_LIMIT = 64;

/** Checks the options an engine would otherwise reject late; throws InvalidRequestError naming the fix. */
export function checkLoadOptions(opts: LoadOptions): void {
  const maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > MAX_BATCH_LIMIT) {
    throw new InvalidRequestError(`maxBatch must be a whole number from 1 to ${MAX_BATCH_LIMIT}, got ${String(opts.maxBatch)}: 1 runs requests one at a time`, 'max_batch');
  }
  const prefillChunk = opts.prefillChunk ?? 0;
  if (!Number.isInteger(prefillChunk) || prefillChunk < 0) {
    throw new InvalidRequestError(`prefillChunk must be a whole number of tokens (0 for whole prompts), got ${String(opts.prefillChunk)}: try 64`, 'prefill_chunk');
  }
}
