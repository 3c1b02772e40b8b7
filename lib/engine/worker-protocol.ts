/** Messages between the engine (main thread) and its worker thread. Plain records only. */
import type { PrefillWeights } from './int8-prefill';
import type { SerializedError } from '../errors';
import type { GenerateRequest, GenerationResult, TextDelta } from './types';
import type { ModelFolder } from './model-folder';
import type { BatchingCheck, SessionOptions } from './decoder-session';
import type { ProviderName } from './providers';

export interface LoadMessage {
  type: 'load';
  dir: string;
  onnxFile?: string;
  session: SessionOptions;
  /** Most sequences decoded together; 1 runs requests one at a time (unbatched). */
  maxBatch: number;
  /** Longest prefill run for one prompt in the batch scheduler (tokens); 0 or absent: whole prompts. */
  prefillChunk?: number;
}
export interface GenerateMessage {
  type: 'generate';
  id: number;
  request: GenerateRequest;
  /** Int32Array over this buffer: element 0 set to 1 asks the worker to stop. */
  abort: SharedArrayBuffer;
  queueMs: number;
}
/** Release the session and end the thread (after any running request has stopped). */
export interface DisposeMessage { type: 'dispose' }
export type ToWorker = LoadMessage | GenerateMessage | DisposeMessage;

export interface LoadedInfo {
  folder: ModelFolder;
  provider: ProviderName;
  inputNames: string[];
  outputNames: string[];
  layers: number;
  loadMs: number;
  templateSource: string;
  batching: BatchingInfo;
  /** The graph was rewritten at load to compute the last position's logits only (last-position-logits.ts). */
  lastPositionLogits: boolean;
  /** Which weights prefill runs with: 'int8' = an int8 copy of the int4 weights (int8-prefill.ts; changes the logits). */
  prefillWeights: PrefillWeights;
}

/** How this model batches: what was asked, what runs, and the load-time check behind it. */
export interface BatchingInfo {
  requestedMaxBatch: number;
  /** Sequences decoded together at most: requestedMaxBatch, or 1 when the check failed. */
  maxBatch: number;
  /** Null when no check ran (maxBatch 1 was asked for). */
  check: BatchingCheck | null;
  /** How prompts are prefilled by the batch scheduler (batch-prefill.ts). */
  prefill: PrefillInfo;
}

export interface PrefillInfo {
  /** Waiting prompts prefilled together in one run: the load-time check passed. */
  batched: boolean;
  /** Longest prefill run for one prompt (tokens); 0: whole prompts. */
  chunk: number;
  /** Null when no check ran (the model runs unbatched); its reason says why prompts go one at a time. */
  check: BatchingCheck | null;
}

export type FromWorker =
  | { type: 'loaded'; info: LoadedInfo }
  | { type: 'load-error'; error: SerializedError }
  | { type: 'delta'; id: number; delta: TextDelta }
  | { type: 'done'; id: number; result: GenerationResult }
  | { type: 'error'; id: number; error: SerializedError };
