/** Messages between a ProcessModel (the service's process) and its engine process (process-host.ts). Plain records only. */
import type { PrefillWeights } from './int8-prefill';
import type { SerializedError } from '../errors';
import type { GraphOptimizationLevel } from './decoder-session';
import type { ProviderName } from './providers';
import type { GenerateRequest, GenerationResult, TextDelta } from './types';
import type { LoadedInfo } from './worker-protocol';

export interface HostLoadOptions {
  provider: ProviderName | string;
  fallback?: boolean;
  threads: number;
  graphOptimizationLevel: GraphOptimizationLevel;
  onnxFile?: string;
  /** Requests decoded together (continuous batching, engine.ts). */
  maxBatch?: number;
  /** Load-time last-position-logits rewrite (last-position-logits.ts). */
  lastPositionLogits?: boolean;
  /** Which weights prefill runs with (engine.ts LoadOptions.prefillWeights). */
  prefillWeights?: PrefillWeights;
  /** Longest prefill run for one prompt (tokens; engine.ts LoadOptions.prefillChunk). */
  prefillChunk?: number;
  /** Which engine runs the model (issue 23): 'onnxruntime' (default) or 'llama.cpp' (lib/engines/llama-cpp). */
  engine?: 'onnxruntime' | 'llama.cpp';
}

export type ToHost =
  | { type: 'load'; dir: string; options: HostLoadOptions }
  | { type: 'generate'; id: number; request: GenerateRequest }
  | { type: 'abort'; id: number }
  /** Heartbeat (issue 21): the host answers pong with the same n at once, from its main thread. */
  | { type: 'ping'; n: number }
  /** Release the model and exit (after any running request has stopped). */
  | { type: 'dispose' };

export type FromHost =
  | { type: 'loaded'; info: LoadedInfo; provider: ProviderName; fellBackFrom: { provider: ProviderName; reason: string } | null }
  | { type: 'load-error'; error: SerializedError }
  /** Every delta produced since the last message (coalesced per event-loop turn). */
  | { type: 'deltas'; id: number; deltas: TextDelta[] }
  | { type: 'done'; id: number; result: GenerationResult }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'pong'; n: number };
