/**
 * Which models are loaded, on which execution provider, and for how long. A model is loaded on
 * the first request that names it and unloaded `ttl` seconds after its last one. Entries are
 * keyed by (id, provider): one model can be loaded on cpu and on cuda at once (a GPU-vs-CPU
 * comparison from one service). Admission is decided here and nowhere else (admit()): each
 * entry admits `maxBatch` running requests (they decode together: the engine's continuous
 * batching) plus at most `maxQueue` waiting ones; more are refused (429) instead of piling up
 * without bound. The engine below refuses nothing: its client and host only order what they
 * are given (docs/engine.md, Hosts). Each model runs in its own engine process
 * (process-engine.ts), so a native crash costs only that model's requests; it restarts on the next request.
 */
import type { PrefillWeights } from '../engine/int8-prefill';
import { DEFAULT_MAX_BATCH } from '../engine/load-options';
import { loadModelInProcess, type EngineModel, type ProcessModelOptions } from '../engine/process-engine';
import type { ProviderName } from '../engine/providers';
import { splitEngine } from '../engines/model-id';
import type { FinishReason } from '../engine/types';
import { modelUnloaded, queueFull, shuttingDown } from './errors';
import { deviceOf, type ModelRegistry, type ResolvedModel } from '../registry/model-registry';
import type { PreparableRegistry } from './preparation';

/**
 * The service's default prefill chunk (tokens): prompts up to this length are prefilled in one
 * run (batched with the others waiting); a longer one goes in runs of this many tokens with the
 * running requests' decode steps between them, so they pause for one chunk at a time (on the
 * 2-core machine, about 0.5 s for 128 tokens of the qwen2.5-0.5b int4 twin).
 */
export const DEFAULT_SERVICE_PREFILL_CHUNK = 128;

export interface ManagerOptions {
  registry: ModelRegistry;
  /** Seconds a model stays loaded after its last request (default 600; 0 = until unloaded). */
  ttlSeconds?: number;
  /** Requests that may wait behind the running one, per loaded model (default 16). */
  maxQueue?: number;
  /** ONNX Runtime intra-op threads per model (0 = ORT's default). */
  threads?: number;
  /** Requests decoded together per loaded model (default: the engine's DEFAULT_MAX_BATCH; 1 = one at a time). */
  maxBatch?: number;
  /**
   * Logits for the last position only (the load-time rewrite, engine/last-position-logits.ts).
   * Default true: a service samples nothing else, and the rewrite gives the same tokens with a
   * shorter prefill. Benchmarks measure the model's own graph instead (docs/prefill-and-batching.md).
   */
  lastPositionLogits?: boolean;
  /** Longest prefill run for one prompt, in tokens (default DEFAULT_SERVICE_PREFILL_CHUNK; 0 = whole prompts). */
  prefillChunk?: number;
  /** Which weights prefill runs with (LoadOptions.prefillWeights, lib/engine/load-options.ts; default 'model'). ONNX Runtime models only. */
  prefillWeights?: PrefillWeights;
  /**
   * How models are loaded (default: each in its own engine process, loadModelInProcess; the
   * worker-thread loadModel fits too). Given the engine's own load options (LoadOptions, plus
   * the process engine's frozenAfterMs), built from the options above; the provider is the
   * registry's choice, always named.
   */
  load?: (dir: string, opts: ProcessModelOptions & { provider: ProviderName }) => Promise<EngineModel>;
  /** An engine process silent this long is frozen: killed, its requests 503 model_unavailable (process-engine.ts). */
  frozenAfterMs?: number;
}

/** A loaded (or loading) model as GET /slmlab/loaded reports it. Plain record. */
export interface LoadedRecord {
  id: string;
  provider: ProviderName;
  device: 'CPU' | 'GPU';
  dir: string;
  synthetic: boolean;
  state: 'loading' | 'ready';
  loadedAt: string | null;
  loadMs: number | null;
  lastUsedAt: string;
  ttlSeconds: number;
  /** Requests running or waiting on this model now. */
  inFlight: number;
  requests: number;
  /** Times the engine worker crashed and was restarted. */
  restarts: number;
  /** 'last' when the graph computes the last position's logits only (the service's default), 'all' for the model's own graph; null while loading. */
  logits: 'last' | 'all' | null;
  /** 'int8': prefill on an int8 copy of the weights (changes the logits); null while loading. */
  prefillWeights: PrefillWeights | null;
  /** How the scheduler prefills (null while loading, or when the model runs unbatched). */
  prefill: { batched: boolean; chunk: number; reason: string | null } | null;
  /** The process that runs the model (EngineModel.pid: each engine fills it); null while loading or when none runs. */
  pid: number | null;
}

/** Which processes serve models (ModelManager.processes, GET /slmlab/processes). Plain record. */
export interface ServingProcesses {
  service: { pid: number };
  models: { id: string; provider: ProviderName; dir: string; pid: number | null }[];
}

/** One finished (or failed) generation, for listeners (tests, logs, metrics). */
export interface ServedRequest {
  id: string;
  provider: ProviderName;
  finishReason: FinishReason | 'error';
  promptTokens: number;
  completionTokens: number;
  error?: string;
}

interface Entry {
  key: string;
  resolved: ResolvedModel;
  ready: Promise<EngineModel>;
  model: EngineModel | null;
  loadedAt: number | null;
  lastUsed: number;
  ttlSeconds: number;
  /** false: never unloaded by the TTL (Foundry's load?unload=false). */
  autoUnload: boolean;
  inFlight: number;
  requests: number;
  timer: NodeJS.Timeout | null;
  /** Removed from the map; dispose once the last in-flight request is done. */
  closing: boolean;
  /** Aborted (reason: a 503 ServiceError) when the model is force-unloaded under its requests. */
  revoke: AbortController;
}

export interface Lease {
  model: EngineModel;
  id: string;
  provider: ProviderName;
  synthetic: boolean;
  /** Milliseconds this request waited for the model to load (0 when it was loaded). */
  loadWaitMs: number;
  /**
   * Aborted when the model is force-unloaded while this request waits or runs; its reason is
   * the 503 error (retryable) the caller must get instead of whatever the engine reports.
   */
  revoked: AbortSignal;
  release(): void;
}

export interface UseOptions {
  ep?: ProviderName;
  ttl?: number;
  autoUnload?: boolean;
}

const keyOf = (id: string, provider: ProviderName) => `${id}\u0000${provider}`;

export class ModelManager {
  private readonly entries = new Map<string, Entry>();
  /** (name, ep) -> entry key, for names resolved while their entry is loaded: skips the registry on the hot path. */
  private readonly names = new Map<string, string>();
  private readonly listeners = new Set<(r: ServedRequest) => void>();
  private readonly ttlSeconds: number;
  readonly maxQueue: number;
  private readonly threads: number;
  readonly maxBatch: number;
  readonly lastPositionLogits: boolean;
  readonly prefillChunk: number;
  private readonly loader: NonNullable<ManagerOptions['load']>;
  private closed = false;

  constructor(private readonly options: ManagerOptions) {
    this.ttlSeconds = options.ttlSeconds ?? 600;
    this.maxQueue = options.maxQueue ?? 16;
    this.threads = options.threads ?? 0;
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.lastPositionLogits = options.lastPositionLogits ?? true;
    this.prefillChunk = options.prefillChunk ?? DEFAULT_SERVICE_PREFILL_CHUNK;
    this.loader = options.load ?? ((dir, o) => loadModelInProcess(dir, o));
  }

  get registry(): ModelRegistry { return this.options.registry; }

  /**
   * A lease on a loaded model for one request: loads it if needed, counts the request against
   * the model's queue (429 when full) and must be released when the request ends.
   */
  async acquire(name: string, opts: UseOptions = {}): Promise<Lease> {
    const t0 = performance.now();
    let entry = await this.entryFor(name, opts);
    if (entry.closing) entry = await this.entryFor(name, opts); // unloaded meanwhile: load afresh
    this.admit(entry);
    if (opts.ttl !== undefined) entry.ttlSeconds = opts.ttl;
    this.stopTimer(entry);
    let model: EngineModel;
    try {
      model = entry.model ?? await entry.ready;
      if (entry.revoke.signal.aborted) throw entry.revoke.signal.reason;
    } catch (e) {
      entry.inFlight--;
      throw entry.revoke.signal.aborted ? entry.revoke.signal.reason : e;
    }
    let released = false;
    return {
      model, id: entry.resolved.id, provider: entry.resolved.provider, synthetic: entry.resolved.synthetic,
      loadWaitMs: performance.now() - t0, revoked: entry.revoke.signal,
      release: () => {
        if (released) return;
        released = true;
        entry.inFlight--;
        entry.lastUsed = Date.now();
        this.idle(entry);
      },
    };
  }

  /** Loads a model without running anything (GET /openai/load/:name). */
  async load(name: string, opts: UseOptions = {}): Promise<LoadedRecord> {
    const entry = await this.entryFor(name, opts);
    if (opts.ttl !== undefined) entry.ttlSeconds = opts.ttl;
    if (opts.autoUnload !== undefined) entry.autoUnload = opts.autoUnload;
    await entry.ready;
    entry.lastUsed = Date.now();
    this.idle(entry);
    return this.record(entry);
  }

  /**
   * Unloads every provider's copy of `name` (or only `ep`'s). Running requests finish first
   * unless `force`, which aborts them. Returns the ids unloaded; a model that was not loaded
   * is not an error (Foundry answers 200 as well).
   */
  async unload(name: string, opts: { ep?: ProviderName; force?: boolean } = {}): Promise<string[]> {
    const lower = name.toLowerCase();
    let targets = [...this.entries.values()].filter((e) => e.resolved.id.toLowerCase() === lower);
    if (!targets.length) {
      // A model that would first need a download or a build is not loaded under any name:
      // answer at once instead of starting that preparation just to unload nothing.
      if (await (this.registry as PreparableRegistry).needsPreparation?.(name, opts.ep)) return [];
      let id: string | null = null;
      try { id = (await this.registry.resolve(name, opts.ep)).id; } catch { /* unknown or not cached: nothing loaded under it */ }
      targets = [...this.entries.values()].filter((e) => e.resolved.id === id);
    }
    if (opts.ep) targets = targets.filter((e) => e.resolved.provider === opts.ep);
    await Promise.all(targets.map((e) => this.drop(e, opts.force ?? false)));
    return [...new Set(targets.map((e) => e.resolved.id))];
  }

  async unloadAll(opts: { force?: boolean } = {}): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => this.drop(e, opts.force ?? false)));
  }

  /** Everything loaded or loading, in load order. */
  loaded(): LoadedRecord[] {
    return [...this.entries.values()].map((e) => this.record(e));
  }

  /** The engine model behind (id, provider), when loaded: for tests and diagnostics. */
  loadedModel(id: string, provider: ProviderName = 'cpu'): EngineModel | null {
    return this.entries.get(keyOf(id, provider))?.model ?? null;
  }

  /**
   * The processes serving models now: this service's and each loaded model's engine process
   * (GET /slmlab/processes). Read-only.
   */
  processes(): ServingProcesses {
    return {
      service: { pid: process.pid },
      models: [...this.entries.values()].map((e) => ({ id: e.resolved.id, provider: e.resolved.provider, dir: e.resolved.dir, pid: e.model?.pid ?? null })),
    };
  }

  /** Subscribe to finished requests; returns the unsubscribe function. */
  onRequestDone(listener: (r: ServedRequest) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called by the routes when a generation ends (any way). */
  reportDone(r: ServedRequest): void {
    for (const l of this.listeners) {
      try { l(r); } catch { /* a listener's bug must not break serving */ }
    }
  }

  /** Disposes every model (aborting running requests); later acquires fail. */
  async close(): Promise<void> {
    this.closed = true;
    await this.unloadAll({ force: true });
  }

  // ---- internals ----------------------------------------------------------------------------

  private async entryFor(name: string, opts: UseOptions): Promise<Entry> {
    if (this.closed) throw shuttingDown();
    const alias = `${name}\u0000${opts.ep ?? ''}`;
    const known = this.names.get(alias);
    const cached = known ? this.entries.get(known) : undefined;
    if (cached) return cached;
    // issue 23: `<name>@llama.cpp` runs the same model on llama.cpp (lib/engines/model-id.ts)
    const { base, engine } = splitEngine(name);
    const found = await this.registry.resolve(base, opts.ep);
    const resolved = engine === 'llama.cpp' ? { ...found, id: `${found.id}@llama.cpp` } : found;
    const key = keyOf(resolved.id, resolved.provider);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.startLoad(key, resolved);
      if (opts.autoUnload !== undefined) entry.autoUnload = opts.autoUnload;
    }
    this.names.set(alias, key);
    return entry;
  }

  private startLoad(key: string, resolved: ResolvedModel): Entry {
    const entry: Entry = {
      key, resolved, model: null, loadedAt: null, lastUsed: Date.now(), ttlSeconds: this.ttlSeconds, autoUnload: true,
      inFlight: 0, requests: 0, timer: null, closing: false, revoke: new AbortController(), ready: undefined as unknown as Promise<EngineModel>,
    };
    const onLlamaCpp = splitEngine(resolved.id).engine === 'llama.cpp';
    const options: ProcessModelOptions & { provider: ProviderName } = {
      provider: resolved.provider, threads: this.threads, maxBatch: this.maxBatch, lastPositionLogits: this.lastPositionLogits, prefillChunk: this.prefillChunk,
      ...(this.options.prefillWeights === 'int8' && !onLlamaCpp ? { prefillWeights: 'int8' as const } : {}),
      ...(onLlamaCpp ? { engine: 'llama.cpp' as const } : {}), frozenAfterMs: this.options.frozenAfterMs,
    };
    entry.ready = this.loader(resolved.dir, options).then(
      (model) => {
        entry.model = model;
        entry.loadedAt = Date.now();
        if (entry.closing || this.closed) void model.dispose();
        return model;
      },
      (e: unknown) => {
        this.forget(entry);
        throw e;
      });
    entry.ready.catch(() => undefined);
    this.entries.set(key, entry);
    return entry;
  }

  /**
   * The one admission decision: a model takes `maxBatch` running requests (the engine's batch,
   * once loaded) plus `maxQueue` waiting ones; one more is refused with 429 queue_full.
   */
  private admit(entry: Entry): void {
    const running = entry.model?.maxBatch ?? this.maxBatch;
    if (entry.inFlight >= running + this.maxQueue) throw queueFull(entry.resolved.id, entry.inFlight - running);
    entry.inFlight++;
    entry.requests++;
  }

  /** Removes the entry from the maps so new requests load afresh. */
  private forget(entry: Entry): void {
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    for (const [alias, key] of this.names) if (key === entry.key) this.names.delete(alias);
    this.stopTimer(entry);
  }

  private async drop(entry: Entry, force: boolean): Promise<void> {
    this.forget(entry);
    entry.closing = true;
    if (entry.inFlight > 0 && !force) return; // disposed by idle() when the last request ends
    // Every request on it, queued or running, is answered 503 (the routes read lease.revoked).
    if (entry.inFlight > 0) entry.revoke.abort(this.closed ? shuttingDown() : modelUnloaded(entry.resolved.id));
    const model = entry.model ?? await entry.ready.catch(() => null);
    await model?.dispose();
  }

  private idle(entry: Entry): void {
    if (entry.inFlight > 0) return;
    if (entry.closing) {
      void entry.model?.dispose();
      return;
    }
    this.stopTimer(entry);
    if (!entry.autoUnload || entry.ttlSeconds <= 0) return;
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (entry.inFlight === 0 && this.entries.get(entry.key) === entry) void this.drop(entry, false);
    }, entry.ttlSeconds * 1000);
    entry.timer.unref();
  }

  private stopTimer(entry: Entry): void {
    if (entry.timer) { clearTimeout(entry.timer); entry.timer = null; }
  }

  private record(e: Entry): LoadedRecord {
    return {
      id: e.resolved.id, provider: e.resolved.provider, device: deviceOf(e.resolved.provider), dir: e.resolved.dir,
      synthetic: e.resolved.synthetic, state: e.model ? 'ready' : 'loading',
      loadedAt: e.loadedAt ? new Date(e.loadedAt).toISOString() : null,
      loadMs: e.model ? Math.round(e.model.info.loadMs * 10) / 10 : null,
      lastUsedAt: new Date(e.lastUsed).toISOString(), ttlSeconds: e.ttlSeconds,
      inFlight: e.inFlight, requests: e.requests, restarts: e.model?.restarts ?? 0, pid: e.model?.pid ?? null,
      logits: e.model ? (e.model.info.lastPositionLogits ? 'last' : 'all') : null,
      prefillWeights: e.model ? e.model.info.prefillWeights ?? 'model' : null,
      prefill: e.model?.info.batching.prefill.check
        ? { batched: e.model.info.batching.prefill.batched, chunk: e.model.info.batching.prefill.chunk, reason: e.model.info.batching.prefill.check.reason }
        : null,
    };
  }
}
