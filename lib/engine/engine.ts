/**
 * The engine's public face: load a model folder on an execution provider, then generate
 * from it as often as you like. The model lives in a worker thread (worker.ts); this side is
 * the one engine client (host/remote-model.ts) over a worker port: it queues requests, streams
 * text deltas as an async iterator, forwards cancellation, and restarts the worker if it dies.
 * Up to `maxBatch` requests are handed to the worker at once and decode together (continuous
 * batching, batch-scheduler.ts); the rest wait here.
 *
 *   const model = await loadModel(dir, { provider: 'cpu' });
 *   const stream = model.generate({ prompt: 'Hello', maxTokens: 32 });
 *   for await (const d of stream) process.stdout.write(d.text);
 *   const result = await stream.result;   // text, token counts, timings
 */
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { parseProvider, resolveProvider } from './providers';
import type { AdapterInfo } from './adapter';
import { checkLoadOptions, type LoadOptions } from './load-options';
import { RemoteModel } from './host/remote-model';
import { workerTransport } from './host/transport';

export { DEFAULT_MAX_BATCH, MAX_BATCH_LIMIT, type LoadOptions } from './load-options';
export type { GenerateOptions, GenerationStream } from './host/engine-model';

const WORKER = path.join(__dirname, 'worker.js');

export class LoadedModel extends RemoteModel {
  /** webgpu: the adapter it runs on (inferred, adapter.ts); null on other providers. */
  adapter: AdapterInfo | null = null;
  /** "software adapter — correctness only, not GPU speed" on a software adapter; else null. */
  adapterNote: string | null = null;

  /** Loads `dir` in a new worker thread. Errors are typed (ModelNotFoundError, ProviderUnavailableError, ...). */
  static async load(dir: string, opts: LoadOptions = {}): Promise<LoadedModel> {
    checkLoadOptions(opts);
    // The provider is resolved (probed) here, once per process; the worker gets the one that runs.
    const resolved = await resolveProvider(parseProvider(opts.provider ?? 'cpu'), { fallback: opts.fallback, allowSoftwareGpu: opts.allowSoftwareGpu });
    const model = new LoadedModel(path.resolve(dir), { ...opts, provider: resolved.provider },
      // Terminating a thread inside a native ONNX Runtime call can abort the whole process: the worker
      // is asked to stop its requests and release its session, and only stopped if it does not.
      { open: () => workerTransport(WORKER), window: 'maxBatch', disposeGraceMs: 70_000, frozenAfterMs: null },
      resolved.provider, resolved.fellBackFrom ? { provider: resolved.fellBackFrom, reason: resolved.reason ?? '' } : null);
    model.adapter = resolved.adapter ?? null;
    model.adapterNote = resolved.note ?? null;
    await model.start();
    return model;
  }

  /** The process that runs this model: the worker thread shares its host's (see EngineModel.pid). */
  override get pid(): number { return process.pid; }

  /** The worker thread running the model now; null while none runs (crashed, disposed). */
  get worker(): Worker | null { return (this.current?.handle as Worker | undefined) ?? null; }
}

/** Loads a model folder (either layout) on a provider; see LoadOptions. */
export function loadModel(dir: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  return LoadedModel.load(dir, opts);
}
