/**
 * The engine's public face: load a model folder on an execution provider, then generate
 * from it as often as you like. The model lives in a worker thread (worker.ts); this side
 * queues requests, streams text deltas as an async iterator, forwards cancellation, and
 * restarts the worker if it dies. Up to `maxBatch` requests are handed to the worker at
 * once and decode together (continuous batching, batch-scheduler.ts); the rest wait here.
 *
 *   const model = await loadModel(dir, { provider: 'cpu' });
 *   const stream = model.generate({ prompt: 'Hello', maxTokens: 32 });
 *   for await (const d of stream) process.stdout.write(d.text);
 *   const result = await stream.result;   // text, token counts, timings
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AbortedError, EngineCrashedError, InvalidRequestError, reviveError, SlmlabError } from '../errors';
import { parseProvider, resolveProvider, type ProviderName } from './providers';
import type { AdapterInfo } from './adapter';
import type { GraphOptimizationLevel } from './decoder-session';
import type { PrefillWeights } from './int8-prefill';
import { validateRequest } from './generate';
import type { FromWorker, LoadedInfo, ToWorker } from './worker-protocol';
import { DeltaStream } from './delta-stream';
import type { GenerateRequest, GenerationResult, TextDelta } from './types';

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
   * Which engine runs the model: 'onnxruntime' (default, this file) or 'llama.cpp' (on a GGUF
   * export of the same weights, lib/engines/llama-cpp/llama-model.ts; process engine only).
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

export interface GenerateOptions {
  signal?: AbortSignal;
}

/** Text deltas as they are generated; `result` settles when generation ends. */
export interface GenerationStream extends AsyncIterable<TextDelta> {
  readonly result: Promise<GenerationResult>;
}

interface Pending {
  id: number;
  request: GenerateRequest;
  abort: SharedArrayBuffer;
  enqueued: number;
  push: (d: TextDelta) => void;
  resolve: (r: GenerationResult) => void;
  reject: (e: Error) => void;
  /** Settles (never rejects) once the request has resolved or rejected. */
  settled: Promise<void>;
  signal?: AbortSignal;
}

export class LoadedModel {
  private worker: Worker | null = null;
  private queue: Pending[] = [];
  /** Requests handed to the worker and not yet settled (at most info.batching.maxBatch). */
  private readonly running = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  private loading: Promise<LoadedInfo> | null = null;
  /** Times the worker died and was restarted. */
  restarts = 0;
  /** webgpu: the adapter it runs on (inferred, adapter.ts); null on other providers. */
  adapter: AdapterInfo | null = null;
  /** "software adapter — correctness only, not GPU speed" on a software adapter; else null. */
  adapterNote: string | null = null;

  private constructor(
    readonly dir: string,
    private readonly options: Required<Pick<LoadOptions, 'threads' | 'graphOptimizationLevel' | 'maxBatch'>> & Pick<LoadOptions, 'onnxFile' | 'lastPositionLogits' | 'prefillChunk' | 'kvOnDevice' | 'prefillWeights'>,
    readonly provider: ProviderName,
    readonly fellBackFrom: { provider: ProviderName; reason: string } | null,
    public info: LoadedInfo,
  ) {}

  /** Loads `dir` in a new worker thread. Errors are typed (ModelNotFoundError, ProviderUnavailableError, ...). */
  static async load(dir: string, opts: LoadOptions = {}): Promise<LoadedModel> {
    const requested = parseProvider(opts.provider ?? 'cpu');
    const resolved = await resolveProvider(requested, { fallback: opts.fallback, allowSoftwareGpu: opts.allowSoftwareGpu });
    const maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > MAX_BATCH_LIMIT) {
      throw new InvalidRequestError(`maxBatch must be a whole number from 1 to ${MAX_BATCH_LIMIT}, got ${String(opts.maxBatch)}: 1 runs requests one at a time`, 'max_batch');
    }
    const prefillChunk = opts.prefillChunk ?? 0;
    if (!Number.isInteger(prefillChunk) || prefillChunk < 0) {
      throw new InvalidRequestError(`prefillChunk must be a whole number of tokens (0 for whole prompts), got ${String(opts.prefillChunk)}: try 64`, 'prefill_chunk');
    }
    const options = { threads: opts.threads ?? 0, graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all', onnxFile: opts.onnxFile, maxBatch, lastPositionLogits: opts.lastPositionLogits, prefillChunk, kvOnDevice: opts.kvOnDevice ?? true, prefillWeights: opts.prefillWeights };
    const absolute = path.resolve(dir);
    const model = new LoadedModel(absolute, options, resolved.provider,
      resolved.fellBackFrom ? { provider: resolved.fellBackFrom, reason: resolved.reason ?? '' } : null, undefined as unknown as LoadedInfo);
    model.adapter = resolved.adapter ?? null;
    model.adapterNote = resolved.note ?? null;
    model.info = await model.start();
    return model;
  }

  /** Most requests decoding together on this model (1: one at a time). */
  get maxBatch(): number { return this.info.batching.maxBatch; }

  /** The process that runs this model: the worker thread shares its host's (see EngineModel.pid). */
  get pid(): number { return process.pid; }

  /**
   * Streams one generation. Requests start in call order; up to maxBatch of them decode
   * together, each with its own sampling, stop strings, max tokens and cancellation.
   */
  generate(request: GenerateRequest, opts: GenerateOptions = {}): GenerationStream {
    const stream = new DeltaStream();
    const result = new Promise<GenerationResult>((resolve, reject) => {
      const fail = (e: Error) => { stream.fail(e); reject(e); };
      if (this.disposed) return fail(new SlmlabError('invalid_request', 'this model was disposed: load it again with loadModel()'));
      try {
        validateRequest(request);
      } catch (e) {
        return fail(e as Error);
      }
      if (opts.signal?.aborted) return fail(new AbortedError());
      let settle: () => void = () => undefined;
      const p: Pending = {
        id: this.nextId++, request, abort: new SharedArrayBuffer(4), enqueued: performance.now(), signal: opts.signal,
        push: (d) => stream.push(d),
        resolve: (r) => { stream.end(); resolve(r); settle(); },
        reject: (e) => { fail(e); settle(); },
        settled: new Promise<void>((r) => { settle = r; }),
      };
      opts.signal?.addEventListener('abort', () => {
        Atomics.store(new Int32Array(p.abort), 0, 1);
        const i = this.queue.indexOf(p);
        if (i !== -1) { this.queue.splice(i, 1); p.reject(new AbortedError()); }
      }, { once: true });
      this.queue.push(p);
      this.pump();
    });
    result.catch(() => { /* surfaced through the iterator or by awaiting result */ });
    return { result, [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator]() };
  }

  /** Generates and waits for the whole answer. */
  complete(request: GenerateRequest, opts: GenerateOptions = {}): Promise<GenerationResult> {
    return this.generate(request, opts).result;
  }

  /**
   * Stops the worker. Queued requests fail with a clear error; a running one is aborted and
   * settles with finishReason 'abort'. The worker is asked to release its session and end,
   * because terminating a thread inside a native ONNX Runtime call can abort the whole process.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const err = new SlmlabError('invalid_request', 'the model was disposed while this request waited');
    for (const p of this.queue.splice(0)) p.reject(err);
    const w = this.worker;
    if (!w) return;
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    const timeout = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
    await this.loading?.catch(() => undefined);
    const running = [...this.running.values()];
    if (running.length) {
      for (const p of running) Atomics.store(new Int32Array(p.abort), 0, 1);
      await Promise.race([Promise.all(running.map((p) => p.settled)), exited, timeout(60_000)]);
    }
    w.postMessage({ type: 'dispose' } satisfies ToWorker);
    await Promise.race([exited, timeout(10_000)]);
    this.worker = null;
    await w.terminate();
  }

  // ---- worker management --------------------------------------------------------------

  private start(): Promise<LoadedInfo> {
    const worker = new Worker(path.join(__dirname, 'worker.js'));
    this.worker = worker;
    this.loading = new Promise<LoadedInfo>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.type === 'loaded') { resolve(m.info); return; }
        if (m.type === 'load-error') { reject(reviveError(m.error)); void worker.terminate(); return; }
        this.onMessage(m);
      };
      worker.on('message', onMessage);
      worker.on('error', (e) => { reject(new EngineCrashedError(`the engine worker failed while loading: ${e.message}`)); this.crashed(worker, e); });
      worker.on('exit', (code) => this.crashed(worker, new Error(`exit code ${code}`)));
      const msg: ToWorker = {
        type: 'load', dir: this.dir, onnxFile: this.options.onnxFile, maxBatch: this.options.maxBatch, prefillChunk: this.options.prefillChunk,
        session: { provider: this.provider, threads: this.options.threads, graphOptimizationLevel: this.options.graphOptimizationLevel, lastPositionLogits: this.options.lastPositionLogits, kvOnDevice: this.options.kvOnDevice, prefillWeights: this.options.prefillWeights },
      };
      worker.postMessage(msg);
    });
    return this.loading;
  }

  private crashed(worker: Worker, e: Error): void {
    if (worker !== this.worker) return; // an old worker, already replaced
    if (this.disposed) { this.worker = null; return; }
    this.worker = null;
    this.loading = null;
    const running = [...this.running.values()];
    this.running.clear();
    for (const p of running) p.reject(new EngineCrashedError(`the engine worker stopped during this request (${e.message}); the model will be reloaded for the next request`));
    if (!this.disposed && this.queue.length) this.pump();
  }

  private pump(): void {
    if (this.disposed || !this.queue.length) return;
    if (!this.worker) {
      if (this.running.size) return; // the crash handler restarts it
      this.restarts++;
      const starting = this.start();
      starting.then((info) => { this.info = info; this.pump(); }, (e: Error) => { for (const p of this.queue.splice(0)) p.reject(e); });
      return;
    }
    if (!this.loading) return;
    while (this.queue.length && this.running.size < this.maxBatch) {
      const p = this.queue.shift()!;
      this.running.set(p.id, p);
      const worker = this.worker;
      void this.loading.then(() => {
        if (this.running.get(p.id) !== p || this.worker !== worker) return;
        const msg: ToWorker = { type: 'generate', id: p.id, request: p.request, abort: p.abort, queueMs: performance.now() - p.enqueued };
        worker.postMessage(msg);
      });
    }
  }

  private onMessage(m: FromWorker): void {
    if (!('id' in m)) return;
    const p = this.running.get(m.id);
    if (!p) return;
    if (m.type === 'delta') { p.push(m.delta); return; }
    this.running.delete(m.id);
    if (m.type === 'done') p.resolve(m.result);
    else if (m.type === 'error') p.reject(reviveError(m.error));
    this.pump();
  }
}

/** Loads a model folder (either layout) on a provider; see LoadOptions. */
export function loadModel(dir: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  return LoadedModel.load(dir, opts);
}
