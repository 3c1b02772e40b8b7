/**
 * The engine's worker thread. ONNX Runtime's run() blocks the thread it runs on, so a model
 * lives here and the main thread's event loop (an HTTP server, a notebook, a progress bar, an
 * engine process's heartbeat) stays free while it generates. The host loop is the shared one
 * (host/serve.ts); this file is the engine it runs: the session, the tokenizer and, with
 * maxBatch > 1, the batch scheduler (with 1, requests run one at a time: the client queues).
 */
import { parentPort } from 'node:worker_threads';
import { SlmlabError } from '../errors';
import { DecoderSession } from './decoder-session';
import { inspectModelFolder, type ModelFolder } from './model-folder';
import { TextTokenizer } from './tokenizer';
import { generate } from './generate';
import { BatchScheduler } from './batch-scheduler';
import { DeltaStream } from './delta-stream';
import { DEFAULT_MAX_BATCH, type LoadOptions } from './load-options';
import { parseProvider, type ProviderName } from './providers';
import type { GenerateRequest, GenerationResult } from './types';
import type { GenerationStream, HostedEngine, HostedGenerateOptions } from './host/engine-model';
import type { BatchingInfo, LoadedInfo } from './host/protocol';
import { portChannel, serveEngine } from './host/serve';

if (!parentPort) throw new Error('engine/worker.js must run as a worker thread');

class ThreadEngine implements HostedEngine {
  readonly fellBackFrom = null;
  private readonly running = new Set<Promise<unknown>>();
  private disposing = false;
  private nextId = 1;

  private constructor(
    readonly info: LoadedInfo,
    readonly provider: ProviderName,
    private readonly session: DecoderSession,
    private readonly tokenizer: TextTokenizer,
    private readonly folder: ModelFolder,
    private readonly scheduler: BatchScheduler | null,
  ) {}

  /** `o` are the caller's options with the provider already resolved (engine.ts). */
  static async load(dir: string, o: LoadOptions): Promise<ThreadEngine> {
    const t0 = performance.now();
    const provider = parseProvider(o.provider ?? 'cpu');
    const requested = o.maxBatch ?? DEFAULT_MAX_BATCH;
    const folder = inspectModelFolder(dir, o.onnxFile);
    const [session, tokenizer] = await Promise.all([
      DecoderSession.create(folder.onnxPath, {
        provider, threads: o.threads ?? 0, graphOptimizationLevel: o.graphOptimizationLevel ?? 'all',
        lastPositionLogits: o.lastPositionLogits, kvOnDevice: o.kvOnDevice ?? true, prefillWeights: o.prefillWeights,
      }),
      TextTokenizer.fromFolder(folder.dir),
    ]);
    const ctx = { tokenizer, folder, provider };
    // The batching check also warms the session up (its first runs are the slowest).
    // A cache kept on the device (webgpu) cannot be packed into a batch on the host: one sequence at a time.
    const check = session.kvOnDevice && requested > 1
      ? { exact: false, maxAbsDiff: null, reason: 'the KV cache stays on the device (webgpu, device-kv.ts): sequences decode one at a time; load with kvOnDevice: false to batch' }
      : requested > 1 ? await session.checkBatching() : null;
    const maxBatch = check && !check.exact ? 1 : requested;
    // Prompts are prefilled together only when that, too, gives each one its solo logits.
    const prefillCheck = maxBatch > 1 ? await session.checkPrefillBatching() : null;
    const prefill = { batched: prefillCheck?.exact === true, chunk: o.prefillChunk ?? 0, check: prefillCheck };
    const batching: BatchingInfo = { requestedMaxBatch: requested, maxBatch, check, prefill };
    const info: LoadedInfo = {
      folder, provider, inputNames: [...session.session.inputNames], outputNames: [...session.session.outputNames],
      layers: session.layers, loadMs: performance.now() - t0, templateSource: tokenizer.templateSource, batching,
      lastPositionLogits: session.lastPositionLogits, prefillWeights: session.prefillWeights,
    };
    return new ThreadEngine(info, provider, session, tokenizer, folder, maxBatch > 1 ? new BatchScheduler(session, ctx, maxBatch, prefill) : null);
  }

  generate(request: GenerateRequest, opts: HostedGenerateOptions): GenerationStream {
    const stream = new DeltaStream();
    const asked = opts.shouldAbort ?? (() => opts.signal?.aborted === true);
    const hooks = { onDelta: stream.push.bind(stream), shouldAbort: () => this.disposing || asked(), queueMs: opts.queueMs ?? 0 };
    const { scheduler } = this;
    const result = scheduler
      ? new Promise<GenerationResult>((resolve, reject) => scheduler.add({ id: this.nextId++, request, ...hooks, onDone: resolve, onError: reject }))
      : this.disposing
        ? Promise.reject(new SlmlabError('invalid_request', 'the model was disposed while this request waited'))
        : generate({ session: this.session, tokenizer: this.tokenizer, folder: this.folder, provider: this.provider }, request, hooks);
    const settled = result.then(() => stream.end(), (e: Error) => stream.fail(e));
    this.running.add(settled);
    void settled.finally(() => this.running.delete(settled));
    return { result, [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator]() };
  }

  /** Stops the running requests (finish reason 'abort'), then releases the session. */
  async dispose(): Promise<void> {
    this.disposing = true;
    await Promise.all(this.running);
    await this.session.release();
  }
}

serveEngine(portChannel(parentPort), { onnxruntime: (dir, options) => ThreadEngine.load(dir, options) });
