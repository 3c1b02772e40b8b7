/**
 * A loaded model whose engine runs in its own process (process-host.ts), with the same public
 * face as LoadedModel: generate(), complete(), dispose(), info, provider, restarts. The service
 * loads every model this way (as Ollama runs each model in a runner process), so that a native
 * crash — ONNX Runtime maps external data, and a model file truncated under a loaded model
 * raises SIGBUS on the next step — costs that model's requests only, never the service and
 * the other models. The crashed process is replaced on the next request, and the replacement
 * checks the model's files before creating a session (a damaged model then fails cleanly).
 *
 *   const model = await ProcessModel.load(dir, { provider: 'cpu' });
 *   for await (const d of model.generate({ prompt: 'Hi', maxTokens: 8 })) process.stdout.write(d.text);
 *
 * Cost: one IPC message per event-loop turn of the engine process (deltas are coalesced);
 * scripts/bench/process-engine.ts measures it per token against the worker-thread engine.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { AbortedError, EngineCrashedError, reviveError, SlmlabError } from '../errors';
import type { GenerateOptions, GenerationStream, LoadOptions } from './engine';
import type { FromHost, HostLoadOptions, ToHost } from './process-protocol';
import type { ProviderName } from './providers';
import { DeltaStream } from './delta-stream';
import type { GenerateRequest, GenerationResult, TextDelta } from './types';
import type { LoadedInfo } from './worker-protocol';
import { envValue } from '../environment';

/** What the service needs of a loaded model, whichever engine hosts it. */
export interface EngineModel {
  readonly dir: string;
  readonly provider: ProviderName;
  readonly fellBackFrom: { provider: ProviderName; reason: string } | null;
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

interface Pending {
  push: (d: TextDelta) => void;
  resolve: (r: GenerationResult) => void;
  reject: (e: Error) => void;
  detach: () => void;
}

const HOST = path.join(__dirname, 'process-host.js');

/** How often a loaded engine process is pinged. */
const HEARTBEAT_MS = 500;
/** Default: an engine process that answers no ping for this long is frozen (SLMLAB_ENGINE_FROZEN_MS overrides). */
export const DEFAULT_FROZEN_AFTER_MS = 10_000;
/** How long dispose() waits for the process to exit before it kills it (forced unloads answer within a second). */
const DISPOSE_GRACE_MS = 800;

export interface ProcessModelOptions extends LoadOptions {
  /**
   * An engine process that answers no heartbeat for this long (stopped with SIGSTOP, stuck in
   * native code on its main thread, swapped out) is declared frozen: its requests fail with
   * 503 model_unavailable, it is killed, and the next request starts a fresh one.
   */
  frozenAfterMs?: number;
}

/** A model whose engine process stopped answering (503: retry, the next request starts a new process). */
export class ModelUnavailableError extends SlmlabError {
  readonly headers = { 'Retry-After': '1' };
  constructor(message: string) { super('model_unavailable', message, 503); }
}

function frozenAfterDefault(): number {
  const env = Number(envValue('SLMLAB_ENGINE_FROZEN_MS'));
  return Number.isFinite(env) && env > 0 ? env : DEFAULT_FROZEN_AFTER_MS;
}

export class ProcessModel implements EngineModel {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  restarts = 0;
  /** Times an engine process was found frozen and killed. */
  frozen = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private lastPong = 0;
  private pingN = 0;
  private readonly frozenAfterMs: number;

  private constructor(
    readonly dir: string,
    private readonly options: HostLoadOptions,
    frozenAfterMs: number | undefined,
    public provider: ProviderName,
    public fellBackFrom: { provider: ProviderName; reason: string } | null,
    public info: LoadedInfo,
  ) {
    this.frozenAfterMs = frozenAfterMs ?? frozenAfterDefault();
  }

  /** Starts an engine process and loads `dir` in it. Errors are the engine's typed errors. */
  static async load(dir: string, opts: ProcessModelOptions = {}): Promise<ProcessModel> {
    const options: HostLoadOptions = {
      provider: opts.provider ?? 'cpu', fallback: opts.fallback, threads: opts.threads ?? 0,
      graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all', onnxFile: opts.onnxFile, maxBatch: opts.maxBatch, lastPositionLogits: opts.lastPositionLogits,
      prefillChunk: opts.prefillChunk, prefillWeights: opts.prefillWeights,
      ...(opts.engine && opts.engine !== 'onnxruntime' ? { engine: opts.engine } : {}),
    };
    const model = new ProcessModel(path.resolve(dir), options, opts.frozenAfterMs, 'cpu', null, undefined as unknown as LoadedInfo);
    await model.start();
    return model;
  }

  generate(request: GenerateRequest, opts: GenerateOptions = {}): GenerationStream {
    const stream = new DeltaStream();
    const result = new Promise<GenerationResult>((resolve, reject) => {
      const fail = (e: Error) => { stream.fail(e); reject(e); };
      if (this.disposed) return fail(new SlmlabError('invalid_request', 'this model was disposed: load it again'));
      // The request is validated by the engine in the engine process; its errors come back typed.
      if (opts.signal?.aborted) return fail(new AbortedError());
      const id = this.nextId++;
      let sent = false;
      // Aborted before the engine process got it: it never will; otherwise the engine stops it.
      const onAbort = () => { if (sent) this.send({ type: 'abort', id }); else this.settle(id, (p) => p.reject(new AbortedError())); };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        push: (d) => stream.push(d),
        resolve: (r) => { stream.end(); resolve(r); },
        reject: fail,
        detach: () => opts.signal?.removeEventListener('abort', onAbort),
      });
      void this.ensureRunning().then(
        () => { if (!this.pending.has(id)) return; sent = true; this.send({ type: 'generate', id, request }); },
        (e: Error) => this.settle(id, (p) => p.reject(e)));
    });
    result.catch(() => { /* surfaced through the iterator or by awaiting result */ });
    return { result, [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator]() };
  }

  get maxBatch(): number { return this.info.batching.maxBatch; }

  get pid(): number | null { return this.child?.pid ?? null; }

  complete(request: GenerateRequest, opts: GenerateOptions = {}): Promise<GenerationResult> {
    return this.generate(request, opts).result;
  }

  /**
   * Ends the engine process: queued requests fail, a running one is aborted (finishReason
   * 'abort'), as LoadedModel.dispose does; a process that does not exit in time is killed.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.stopHeartbeat();
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((r) => { if (child.exitCode !== null || child.signalCode !== null) r(); else child.once('exit', () => r()); });
    this.send({ type: 'dispose' });
    // Our own child (forked above): killing it is safe; a frozen one never reads the dispose message.
    const timer = setTimeout(() => child.kill('SIGKILL'), DISPOSE_GRACE_MS);
    timer.unref();
    await exited;
    clearTimeout(timer);
  }

  // ---- the engine process -------------------------------------------------------------

  private send(m: ToHost): void {
    const c = this.child;
    if (c?.connected) c.send(m);
  }

  private settle(id: number, how: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.detach();
    how(p);
  }

  /** The engine process, restarted (and the model loaded again) after a crash. */
  private ensureRunning(): Promise<void> {
    if (this.child && this.ready) return this.ready;
    this.restarts++;
    return this.start();
  }

  private start(): Promise<void> {
    // No execArgv: the engine process needs none of the parent's flags (inspectors, test runners).
    const child = fork(HOST, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [], serialization: 'json' });
    this.child = child;
    this.ready = new Promise<void>((resolve, reject) => {
      let loaded = false;
      child.on('message', (m: FromHost) => {
        if (m.type === 'pong') {
          this.lastPong = performance.now();
        } else if (m.type === 'loaded') {
          loaded = true;
          this.info = m.info;
          this.provider = m.provider;
          this.fellBackFrom = m.fellBackFrom;
          this.startHeartbeat(child);
          resolve();
        } else if (m.type === 'load-error') {
          reject(reviveError(m.error));
          child.kill('SIGKILL');
        } else if (m.type === 'deltas') {
          const p = this.pending.get(m.id);
          if (p) for (const d of m.deltas) p.push(d);
        } else if (m.type === 'done') {
          this.settle(m.id, (p) => p.resolve(m.result));
        } else if (m.type === 'error') {
          this.settle(m.id, (p) => p.reject(reviveError(m.error)));
        }
      });
      child.once('error', (e) => { if (!loaded) reject(new EngineCrashedError(`the engine process could not start: ${e.message}`)); });
      child.once('exit', (code, signal) => {
        if (!loaded) reject(new EngineCrashedError(`the engine process exited (${signal ?? code}) while loading ${this.dir}`));
        this.exited(child, signal ?? `exit code ${code}`);
      });
      child.send({ type: 'load', dir: this.dir, options: this.options } satisfies ToHost);
    });
    this.ready.catch(() => undefined);
    return this.ready;
  }

  /**
   * Pings the loaded engine process; one that answers nothing for frozenAfterMs is frozen:
   * its requests get 503 model_unavailable at once, it is killed (it is our own child), and
   * the next request starts a fresh process.
   */
  private startHeartbeat(child: ChildProcess): void {
    this.stopHeartbeat();
    this.lastPong = performance.now();
    const timer = setInterval(() => {
      if (child !== this.child) { clearInterval(timer); return; }
      const silent = performance.now() - this.lastPong;
      if (silent > this.frozenAfterMs) { this.declareFrozen(child, silent); return; }
      this.send({ type: 'ping', n: ++this.pingN });
    }, Math.min(HEARTBEAT_MS, Math.max(20, this.frozenAfterMs / 4)));
    timer.unref();
    this.heartbeat = timer;
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) { clearInterval(this.heartbeat); this.heartbeat = null; }
  }

  private declareFrozen(child: ChildProcess, silentMs: number): void {
    this.stopHeartbeat();
    this.frozen++;
    this.child = null;
    this.ready = null;
    child.kill('SIGKILL');
    const error = new ModelUnavailableError(`the engine process of this model (pid ${child.pid}) stopped answering for ${Math.round(silentMs)} ms ` +
      '(stopped or hung): it was killed, and the next request starts a fresh one: send this request again');
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(error));
  }

  /** The process ended: its requests get an answer (an error), and the next request starts a new one. */
  private exited(child: ChildProcess, how: string): void {
    if (child !== this.child) return;
    this.stopHeartbeat();
    this.child = null;
    this.ready = null;
    const error = this.disposed
      ? new SlmlabError('invalid_request', 'the model was disposed while this request waited')
      : new EngineCrashedError(`the engine process of this model died (${how}); only this model's requests failed, and it is reloaded on the next request`);
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(error));
  }
}

/** Loads a model in its own engine process (see ProcessModel). */
export function loadModelInProcess(dir: string, opts: ProcessModelOptions = {}): Promise<ProcessModel> {
  return ProcessModel.load(dir, opts);
}
