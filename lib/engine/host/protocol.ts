/**
 * The one protocol between an engine's client (RemoteModel, remote-model.ts) and its host
 * (serve.ts), whichever transport carries it: a worker thread's port or a child process's IPC
 * channel (transport.ts). Plain records only; errors cross as SerializedError and are revived
 * on the client side (lib/errors.ts reviveError).
 */
import type { PrefillWeights } from '../int8-prefill';
import { SlmlabError, type SerializedError } from '../../errors';
import type { BatchingCheck } from '../decoder-session';
import type { LoadOptions } from '../load-options';
import type { ModelFolder } from '../model-folder';
import type { ProviderName } from '../providers';
import type { GenerateRequest, GenerationResult, TextDelta } from '../types';

export type FellBackFrom = { provider: ProviderName; reason: string } | null;

export type ToHost =
  /** The caller's LoadOptions, unchanged: the host's loader reads them (load-options.ts). */
  | { type: 'load'; dir: string; options: LoadOptions }
  | {
    type: 'generate'; id: number; request: GenerateRequest;
    /** Milliseconds it already waited on the client side. */
    queueMs: number;
    /**
     * Worker port only: element 0 of an Int32Array over this buffer set to 1 stops the request,
     * seen by the engine between two steps even while its thread is busy (an 'abort' message
     * would wait for the thread's event loop).
     */
    abortFlag?: SharedArrayBuffer;
  }
  | { type: 'abort'; id: number }
  /** Heartbeat (child process only): the host answers pong with the same n at once, from its main thread. */
  | { type: 'ping'; n: number }
  /** Stop the running requests, release the model and end (after a load under way has finished). */
  | { type: 'dispose' };

export type FromHost =
  | { type: 'loaded'; info: LoadedInfo; provider: ProviderName; fellBackFrom: FellBackFrom }
  | { type: 'load-error'; error: SerializedError }
  /** Deltas produced since the last message for this request (a child process coalesces them per event-loop turn). */
  | { type: 'deltas'; id: number; deltas: TextDelta[] }
  | { type: 'done'; id: number; result: GenerationResult }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'pong'; n: number };

/** Any thrown value as it crosses to the client: typed errors keep their class, code and fields. */
export function serializeError(e: unknown): SerializedError {
  if (e instanceof SlmlabError) return e.toJSON();
  return { name: 'SlmlabError', code: 'engine_crashed', status: 500, message: e instanceof Error ? e.message : String(e) };
}

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
