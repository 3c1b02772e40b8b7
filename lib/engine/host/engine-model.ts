/**
 * The faces of a loaded model. EngineModel is what callers (the service, benchmarks,
 * notebooks) use, whichever host runs it (a worker thread, LoadedModel; a child process,
 * ProcessModel). HostedEngine is what a host (serve.ts) runs: the in-thread engine
 * (lib/engine/worker.ts), or, in an engine process, a LoadedModel or llama.cpp's model.
 */
import type { LoadOptions } from '../load-options';
import type { ProviderName } from '../providers';
import type { GenerateRequest, GenerationResult, TextDelta } from '../types';
import type { FellBackFrom, LoadedInfo } from './protocol';

export interface GenerateOptions {
  signal?: AbortSignal;
}

/** Text deltas as they are generated; `result` settles when generation ends. */
export interface GenerationStream extends AsyncIterable<TextDelta> {
  readonly result: Promise<GenerationResult>;
}

/** What the service needs of a loaded model, whichever engine hosts it. */
export interface EngineModel {
  readonly dir: string;
  readonly provider: ProviderName;
  readonly fellBackFrom: FellBackFrom;
  info: LoadedInfo;
  /** Most requests decoded together (continuous batching; info.batching says whether the graph allows it). */
  readonly maxBatch: number;
  /** Times the engine (thread or process) died and was restarted. */
  restarts: number;
  /**
   * The operating-system process that holds this model's weights and runs it now (its memory
   * and CPU time are the model's: lib/bench/runner/process-sampler.ts reads them from /proc);
   * null while no process runs it (crashed, disposed). An engine in a worker thread answers
   * its host's pid: the model's memory is then mixed with the caller's.
   */
  readonly pid: number | null;
  generate(request: GenerateRequest, opts?: GenerateOptions): GenerationStream;
  complete(request: GenerateRequest, opts?: GenerateOptions): Promise<GenerationResult>;
  dispose(): Promise<void>;
}

/** What a host asks of the engine it runs for a request, beyond the caller's options. */
export interface HostedGenerateOptions extends GenerateOptions {
  /** Milliseconds the request already waited on the client side. */
  queueMs?: number;
  /** Polled between steps instead of `signal` (a worker's shared abort flag); engines that take only `signal` ignore it. */
  shouldAbort?: () => boolean;
}

/** A model as a host runs it. dispose() stops its running requests (finish reason 'abort') before releasing it. */
export interface HostedEngine {
  readonly info: LoadedInfo;
  readonly provider: ProviderName;
  readonly fellBackFrom: FellBackFrom;
  generate(request: GenerateRequest, opts: HostedGenerateOptions): GenerationStream;
  dispose(): Promise<void>;
}

/** Loads a model inside a host; given the caller's LoadOptions unchanged. */
export type EngineLoader = (dir: string, options: LoadOptions) => Promise<HostedEngine>;

/** The loaders a host offers, by LoadOptions.engine ('onnxruntime' when absent). */
export type EngineLoaders = Partial<Record<NonNullable<LoadOptions['engine']>, EngineLoader>>;
