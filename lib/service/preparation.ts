/**
 * First use of a model that is not on disk yet. A request naming it starts the download (or,
 * for a synthetic twin, the build) in the background and waits a bounded time for it; if the
 * model is not ready by then, the request gets an OpenAI-shaped 503 with Retry-After and a
 * message saying what is being prepared and how far along it is, instead of hanging for the
 * minutes a 4.9 GB model takes (the workshop's bench script gives up after 30 s). The next
 * request after the model is ready is served normally. Two requests for the same model share
 * one preparation.
 *
 *   PreparingRegistry  wraps the service's registry: resolve() and download() go through it
 *   Preparations       the jobs, one per variant id, with their progress (GET /slmlab/preparing,
 *                      and "Preparing" in GET /openai/status)
 */
import type { ProviderName } from '../engine/providers';
import { AbortedError, errorText } from '../errors';
import { ServiceError } from './errors';
import type { RegistryDownloadProgress, ModelRegistry, RegistryEntry, ResolvedModel, PreparableRegistry, PreparationNeed } from '../registry/model-registry';

// the registry's side of preparation lives with the registry (lib/registry/model-registry.ts)
export type { PreparableRegistry, PreparationNeed };

/** A preparation as GET /slmlab/preparing reports it. Plain record. */
export interface PreparationRecord {
  id: string;
  kind: 'download' | 'build';
  state: 'preparing' | 'ready' | 'failed';
  /** 0..1 of the bytes to fetch or build. */
  fraction: number;
  /** The file being fetched (or built) now. */
  file: string;
  sizeBytes: number | null;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}


export interface PreparationOptions {
  /** How long a request waits for a preparation before the 503 (default 5000 ms). */
  waitMs?: number;
  /** Start downloads of real models on first use (default true); builds of synthetic ones always start. */
  autoDownload?: boolean;
}

/** One preparation: its live record and when it settles (never rejects). */
export interface PreparationJob {
  record: PreparationRecord;
  done: Promise<void>;
  started: number;
}

/** One background job per variant id; finished jobs stay listed (ready or failed) until the next start. */
export class Preparations {
  private readonly jobs = new Map<string, PreparationJob>();
  /** Preparations started since the service began (a test of "never twice"). */
  started = 0;

  list(): PreparationRecord[] {
    return [...this.jobs.values()].map((j) => ({ ...j.record }));
  }

  get(id: string): PreparationRecord | null {
    const j = this.jobs.get(id);
    return j ? { ...j.record } : null;
  }

  /** The running job for `need.id`, or a new one running `work`. A failed job is replaced. */
  ensure(need: PreparationNeed, work: (onProgress: (p: RegistryDownloadProgress) => void) => Promise<unknown>): PreparationJob {
    const running = this.jobs.get(need.id);
    if (running && running.record.state !== 'failed') return running;
    const record: PreparationRecord = {
      id: need.id, kind: need.kind, state: 'preparing', fraction: 0, file: '', sizeBytes: need.sizeBytes,
      startedAt: new Date().toISOString(), finishedAt: null, error: null,
    };
    const job: PreparationJob = { record, started: performance.now(), done: Promise.resolve() };
    this.started++;
    job.done = work((p) => { record.fraction = Math.max(record.fraction, Math.min(1, p.fraction)); if (p.file) record.file = p.file; }).then(
      () => { record.state = 'ready'; record.fraction = 1; record.file = ''; record.finishedAt = new Date().toISOString(); },
      (e: unknown) => { record.state = 'failed'; record.error = errorText(e); record.finishedAt = new Date().toISOString(); });
    this.jobs.set(need.id, job);
    return job;
  }

  /** Seconds a client should wait before asking again: the remaining time at the rate so far, 1..60. */
  retryAfterSeconds(id: string): number {
    const j = this.jobs.get(id);
    if (!j || j.record.fraction <= 0.01) return 5;
    const elapsed = (performance.now() - j.started) / 1000;
    const remaining = elapsed * (1 - j.record.fraction) / j.record.fraction;
    return Math.max(1, Math.min(60, Math.ceil(remaining)));
  }
}

/** The 503 a request gets while its model is prepared. */
export function notReadyYet(name: string, r: PreparationRecord, retryAfter: number): ServiceError {
  const what = r.kind === 'build' ? 'built (a synthetic twin)' : 'downloaded';
  const pct = `${(r.fraction * 100).toFixed(1)}%`;
  const size = r.sizeBytes ? ` of ${(r.sizeBytes / 1e9).toFixed(2)} GB` : '';
  return new ServiceError(503, 'model_not_ready',
    `model '${name}' (${r.id}) is being ${what}: ${pct}${size} done${r.file ? `, now ${r.file}` : ''}. ` +
    `Retry after ${retryAfter} s; GET /slmlab/preparing shows the progress`,
    'model', { 'Retry-After': String(retryAfter) });
}

/** The 409 a read-only route (GET /web/models/<id>/manifest, …/files/<name>) answers for a model not on disk. */
export function notPrepared(name: string, need: PreparationNeed, running: PreparationRecord | null): ServiceError {
  const what = need.kind === 'build' ? 'built (a synthetic twin)' : 'downloaded';
  const now = running && running.state === 'preparing' ? ` It is being ${what} now: ${(running.fraction * 100).toFixed(1)}% done.` : '';
  return new ServiceError(409, 'model_not_prepared',
    `model '${name}' (${need.id}) is not on disk yet and must be ${what} first; a GET never starts that.${now} ` +
    `Prepare it: POST /web/models/${encodeURIComponent(name)}/prepare (from the browser page or curl), or run \`slmlab model download ${name}\``,
    'model');
}

/** The answer to an explicit preparation request (POST /web/models/<id>/prepare). */
export type PrepareAnswer = { state: 'ready'; id: string } | { state: 'preparing' | 'failed'; id: string; record: PreparationRecord; retryAfter: number };

/**
 * The service's registry with first-use preparation in front: names that need a download or
 * a build start it (once) and wait `waitMs`; everything else passes through unchanged.
 */
export class PreparingRegistry implements ModelRegistry {
  readonly preparations = new Preparations();
  private readonly waitMs: number;
  private readonly autoDownload: boolean;

  constructor(private readonly inner: PreparableRegistry, options: PreparationOptions = {}) {
    this.waitMs = options.waitMs ?? 5000;
    this.autoDownload = options.autoDownload ?? true;
  }

  get modelDirPath(): string | undefined { return this.inner.modelDirPath; }

  list(): Promise<RegistryEntry[]> {
    return this.inner.list();
  }

  /** Whether `name` needs a download or a build first; asks only, starts nothing. */
  needsPreparation(name: string, ep?: ProviderName): Promise<PreparationNeed | null> {
    return this.inner.needsPreparation?.(name, ep) ?? Promise.resolve(null);
  }

  async resolve(name: string, ep?: ProviderName): Promise<ResolvedModel> {
    const need = await this.inner.needsPreparation?.(name, ep) ?? null;
    if (need && (need.kind === 'build' || this.autoDownload)) {
      const job = this.start(need);
      if (Number.isFinite(this.waitMs)) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([job.done, new Promise<void>((r) => { timer = setTimeout(r, this.waitMs); })]);
        clearTimeout(timer);
      } else {
        await job.done; // an embedded service (bench runner, notebooks) waits for the model however long it takes
      }
      const r = job.record;
      if (r.state === 'failed') throw new ServiceError(502, 'model_preparation_failed', `preparing model '${name}' (${r.id}) failed: ${r.error}. The next request starts it again`, 'model');
      if (r.state === 'preparing') throw notReadyYet(name, r, this.preparations.retryAfterSeconds(r.id));
    }
    return this.inner.resolve(name, ep);
  }

  /**
   * A cached model's folder, never starting a download or a build: what read-only routes use.
   * A model that needs preparation gets 409 model_not_prepared naming the explicit POST.
   */
  async resolveReady(name: string, ep?: ProviderName): Promise<ResolvedModel> {
    const need = await this.inner.needsPreparation?.(name, ep) ?? null;
    if (need) throw notPrepared(name, need, this.preparations.get(need.id));
    return this.inner.resolve(name, ep);
  }

  /** Starts (or joins) the preparation of `name` explicitly; answers at once with where it stands. */
  async prepare(name: string, ep?: ProviderName): Promise<PrepareAnswer> {
    const need = await this.inner.needsPreparation?.(name, ep) ?? null;
    if (!need) {
      const r = await this.inner.resolve(name, ep); // 404 for an unknown name
      return { state: 'ready', id: r.id };
    }
    const job = this.start(need);
    const record = { ...job.record };
    return record.state === 'ready' ? { state: 'ready', id: need.id } : { state: record.state, id: need.id, record, retryAfter: this.preparations.retryAfterSeconds(need.id) };
  }

  /** POST /openai/download joins a running preparation instead of starting a second one. */
  async download(name: string, opts: { onProgress?: (p: RegistryDownloadProgress) => void; signal?: AbortSignal } = {}): Promise<{ id: string; dir: string }> {
    const need = await this.inner.needsPreparation?.(name) ?? null;
    if (need) {
      const job = this.start(need);
      while (job.record.state === 'preparing') {
        // The preparation goes on for others; only this caller stops waiting.
        if (opts.signal?.aborted) throw new AbortedError('download request cancelled; the preparation continues in the background');
        opts.onProgress?.({ fraction: job.record.fraction, file: job.record.file });
        await Promise.race([job.done, new Promise((r) => setTimeout(r, 250))]);
      }
    }
    return this.inner.download(name, opts);
  }

  private start(need: PreparationNeed): PreparationJob {
    // The work runs detached from any request: a client that gives up does not cancel it.
    return this.preparations.ensure(need, (onProgress) => this.inner.download(need.id, { onProgress }));
  }
}
