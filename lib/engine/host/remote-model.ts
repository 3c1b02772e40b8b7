/**
 * The one client of an engine host (serve.ts), over a transport (transport.ts): request ids,
 * a queue in call order, streamed deltas, aborts, crash detection (the requests running in a
 * host that ended fail; the next request starts a new host, `restarts`), an optional heartbeat
 * (a host that answers no ping for `frozenAfterMs` is frozen: killed, its requests 503), and
 * dispose. LoadedModel (worker thread, engine.ts) and ProcessModel (child process,
 * process-engine.ts) are this class with their transport.
 */
import { AbortedError, reviveError, SlmlabError } from '../../errors';
import { validateRequest } from '../generate';
import { DeltaStream } from '../delta-stream';
import type { LoadOptions } from '../load-options';
import type { ProviderName } from '../providers';
import type { GenerateRequest, GenerationResult, TextDelta } from '../types';
import type { EngineModel, GenerateOptions, GenerationStream } from './engine-model';
import type { FellBackFrom, FromHost, LoadedInfo } from './protocol';
import type { Transport } from './transport';

/** How a kind of host is started and treated. */
export interface HostKind {
  /** Starts a new host (a worker thread, a child process). */
  open(): Transport;
  /**
   * Requests handed to the host at once: 'maxBatch' (the host runs what it gets: the rest
   * wait here, in call order) or 'all' (the host queues them itself).
   */
  window: 'maxBatch' | 'all';
  /** How long dispose() waits for the host to end by itself before it is killed. */
  disposeGraceMs: number;
  /** A host silent this long is frozen (pinged every HEARTBEAT_MS); null: no heartbeat. */
  frozenAfterMs: number | null;
}

/** A model whose engine host stopped answering (503: retry, the next request starts a new host). */
export class ModelUnavailableError extends SlmlabError {
  readonly headers = { 'Retry-After': '1' };
  constructor(message: string) { super('model_unavailable', message, 503); }
}

/** How often a loaded host with a heartbeat is pinged. */
const HEARTBEAT_MS = 500;

interface Pending {
  id: number;
  request: GenerateRequest;
  enqueued: number;
  push: (d: TextDelta) => void;
  resolve: (r: GenerationResult) => void;
  reject: (e: Error) => void;
  detach: () => void;
}

export class RemoteModel implements EngineModel {
  private transport: Transport | null = null;
  private ready = false;
  private readonly queue: Pending[] = [];
  /** Requests handed to the host and not yet answered. */
  private readonly running = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  /** Times the host died (or froze) and was started again. */
  restarts = 0;
  /** Times a host was found frozen and killed. */
  frozen = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private lastPong = 0;
  private pingN = 0;
  info: LoadedInfo = undefined as unknown as LoadedInfo;

  protected constructor(
    readonly dir: string,
    private readonly options: LoadOptions,
    private readonly host: HostKind,
    public provider: ProviderName,
    public fellBackFrom: FellBackFrom,
  ) {}

  /** Most requests decoding together on this model (1: one at a time). */
  get maxBatch(): number { return this.info.batching.maxBatch; }

  get pid(): number | null { return this.transport?.pid ?? null; }

  /** The running host's transport (subclasses show its thread or process). */
  protected get current(): Transport | null { return this.transport; }

  /**
   * Streams one generation. Requests start in call order; up to maxBatch of them decode
   * together, each with its own sampling, stop strings, max tokens and cancellation.
   */
  generate(request: GenerateRequest, opts: GenerateOptions = {}): GenerationStream {
    const stream = new DeltaStream();
    const result = new Promise<GenerationResult>((resolve, reject) => {
      const fail = (e: Error) => { stream.fail(e); reject(e); };
      if (this.disposed) return fail(new SlmlabError('invalid_request', 'this model was disposed: load it again'));
      try {
        validateRequest(request);
      } catch (e) {
        return fail(e as Error);
      }
      const signal = opts.signal;
      if (signal?.aborted) return fail(new AbortedError());
      const p: Pending = {
        id: this.nextId++, request, enqueued: performance.now(),
        push: (d) => stream.push(d),
        resolve: (r) => { stream.end(); resolve(r); },
        reject: fail,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      // Still queued here: the host never sees it; otherwise the host stops it (finish reason 'abort').
      const onAbort = () => {
        const i = this.queue.indexOf(p);
        if (i !== -1) { this.queue.splice(i, 1); p.reject(new AbortedError()); return; }
        if (this.running.get(p.id) === p) this.transport?.abort(p.id);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
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
   * Ends the host: queued requests fail with a clear error, running ones are stopped by the
   * host (finish reason 'abort'); a host that has not ended after disposeGraceMs is killed.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.stopHeartbeat();
    const err = new SlmlabError('invalid_request', 'the model was disposed while this request waited');
    for (const p of this.queue.splice(0)) { p.detach(); p.reject(err); }
    const t = this.transport;
    if (!t) return;
    t.send({ type: 'dispose' });
    const timer = setTimeout(() => t.kill(), this.host.disposeGraceMs);
    timer.unref();
    await t.ended;
    clearTimeout(timer);
    this.ended(t, 'disposed');
  }

  // ---- the host ------------------------------------------------------------------------------

  /** Starts a host and loads the model in it; settles when it is loaded. */
  protected start(): Promise<void> {
    const t = this.host.open();
    this.transport = t;
    this.ready = false;
    const loaded = new Promise<void>((resolve, reject) => {
      let isLoaded = false;
      t.onMessage((m: FromHost) => {
        if (t !== this.transport) return; // an abandoned host (crashed, frozen) still talking
        switch (m.type) {
          case 'pong': this.lastPong = performance.now(); return;
          case 'loaded':
            isLoaded = true;
            this.info = m.info;
            this.provider = m.provider;
            this.fellBackFrom = m.fellBackFrom ?? this.fellBackFrom;
            this.ready = true;
            this.startHeartbeat(t);
            resolve();
            return;
          case 'load-error':
            this.transport = null;
            t.kill();
            reject(reviveError(m.error));
            return;
          case 'deltas': {
            const p = this.running.get(m.id);
            if (p) for (const d of m.deltas) p.push(d);
            return;
          }
          case 'done': this.settle(m.id, (p) => p.resolve(m.result)); this.pump(); return;
          case 'error': this.settle(m.id, (p) => p.reject(reviveError(m.error))); this.pump(); return;
        }
      });
      t.onEnd((how) => {
        if (!isLoaded) reject(t.loadFailedError(how));
        this.ended(t, how);
      });
      t.send({ type: 'load', dir: this.dir, options: this.options });
    });
    loaded.catch(() => undefined);
    return loaded;
  }

  /** Hands queued requests to the host, starting a new one when none runs. */
  private pump(): void {
    if (this.disposed || !this.queue.length) return;
    const t = this.transport;
    if (!t) {
      this.restarts++;
      this.start().then(() => this.pump(), (e: Error) => { for (const p of this.queue.splice(0)) { p.detach(); p.reject(e); } });
      return;
    }
    if (!this.ready) return;
    const window = this.host.window === 'all' ? Infinity : this.maxBatch;
    while (this.queue.length && this.running.size < window) {
      const p = this.queue.shift()!;
      this.running.set(p.id, p);
      t.send({ type: 'generate', id: p.id, request: p.request, queueMs: performance.now() - p.enqueued });
    }
  }

  private settle(id: number, how: (p: Pending) => void): void {
    const p = this.running.get(id);
    if (!p) return;
    this.running.delete(id);
    p.detach();
    how(p);
  }

  /** Rejects every running request (and, `queued`, the waiting ones) with `error`. */
  private failAll(error: Error, queued: boolean): void {
    for (const id of [...this.running.keys()]) this.settle(id, (p) => p.reject(error));
    if (queued) for (const p of this.queue.splice(0)) { p.detach(); p.reject(error); }
  }

  /**
   * The host ended: its running requests fail; queued ones start a new host (unless it ended
   * while loading: the load's own failure answers them, without a second try).
   */
  private ended(t: Transport, how: string): void {
    if (t !== this.transport) return;
    const wasLoaded = this.ready;
    this.stopHeartbeat();
    this.transport = null;
    this.ready = false;
    this.failAll(this.disposed ? new SlmlabError('invalid_request', 'the model was disposed while this request waited') : t.crashedError(how), false);
    if (wasLoaded) this.pump();
  }

  /**
   * Pings a loaded host; one that answers nothing for frozenAfterMs is frozen: its requests get
   * 503 model_unavailable at once, it is killed (it is our own), and the next request starts a fresh one.
   */
  private startHeartbeat(t: Transport): void {
    const after = this.host.frozenAfterMs;
    if (after === null) return;
    this.stopHeartbeat();
    this.lastPong = performance.now();
    const timer = setInterval(() => {
      if (t !== this.transport) { clearInterval(timer); return; }
      const silent = performance.now() - this.lastPong;
      if (silent > after) { this.declareFrozen(t, silent); return; }
      t.send({ type: 'ping', n: ++this.pingN });
    }, Math.min(HEARTBEAT_MS, Math.max(20, after / 4)));
    timer.unref();
    this.heartbeat = timer;
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) { clearInterval(this.heartbeat); this.heartbeat = null; }
  }

  private declareFrozen(t: Transport, silentMs: number): void {
    this.stopHeartbeat();
    this.frozen++;
    this.transport = null;
    this.ready = false;
    t.kill();
    this.failAll(new ModelUnavailableError(`the engine process of this model (pid ${t.pid}) stopped answering for ${Math.round(silentMs)} ms ` +
      '(stopped or hung): it was killed, and the next request starts a fresh one: send this request again'), true);
  }
}
