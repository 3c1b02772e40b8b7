/**
 * `--workers N`: one load level spread over N worker threads, each with its own event loop
 * and HTTP connections, their sends merged. The split keeps the level's shape:
 * - closed loop: client (slot) s goes to worker s mod N, so N workers run the same clients
 *   one process would;
 * - open loop: every worker gets the one seeded arrival schedule and sends request i when
 *   i mod N is its number, from one shared start time, so together they send the schedule;
 *   a maxConcurrency cap is divided between them (ceil(cap / N) each).
 * Every send carries its worker's number; keys are disjoint by construction, and the merge
 * checks it (a key twice, or one the level does not hold, is a bug and throws; an aborted level simply has fewer).
 *
 * Several machines against one cluster: run `slmlab bench` on each at the same time with the
 * same grid and its own --out, then analyse the files together (summarizeLevels over the
 * requests of all of them): a level's duration is the union of the runs' windows
 * (level-stats.ts), so their requests add up. Concatenating the files would not do: request
 * keys repeat across machines and a reader keeps the first of each (docs/benchmarks.md, load profiles).
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PlannedRequest } from '../grid/schedule';
import type { LevelSend } from './drive-level';
import { nowEpochMs } from './clock';
import { SlmlabError } from '../../errors';

/** Heap per load worker thread, MB. */
const WORKER_HEAP_MB = 1024;

/** A load worker thread failed: the message carries its cause (issue 21: it was reported as "a bug"). */
export class LoadWorkerError extends SlmlabError {
  constructor(readonly worker: number, cause: string) {
    super('load_worker_failed', `load worker ${worker} failed: ${cause.split('\n')[0]}: nothing of this level was kept; ` +
      'run again, with fewer --workers or a lower level if the cause is memory', 500);
  }
}

export interface WorkerJob {
  worker: number;
  requests: PlannedRequest[];
  baseURL: string;
  apiKey: string;
  startAtMs: number;
  offsets?: Record<string, number>;
  maxConcurrency: number | null;
  timeoutMs?: number;
}

export interface SpreadOptions {
  workers: number;
  baseURL: string;
  apiKey: string;
  offsets?: Record<string, number>;
  maxConcurrency?: number | null;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Which worker sends `req` (see the split above); `index` is its position in the level. */
export function workerOf(req: PlannedRequest, index: number, workers: number, openLoop: boolean): number {
  return (openLoop ? index : req.slot) % workers;
}

/** The jobs for `workers` threads (pure: exported for tests). */
export function splitLevel(requests: readonly PlannedRequest[], o: Omit<SpreadOptions, 'signal'>, startAtMs: number): WorkerJob[] {
  const openLoop = o.offsets !== undefined;
  const ordered = openLoop ? [...requests].sort((a, b) => (o.offsets![a.key] ?? 0) - (o.offsets![b.key] ?? 0)) : [...requests];
  const jobs: WorkerJob[] = Array.from({ length: o.workers }, (_, w) => ({
    worker: w, requests: [], baseURL: o.baseURL, apiKey: o.apiKey, startAtMs, offsets: o.offsets,
    maxConcurrency: o.maxConcurrency ? Math.ceil(o.maxConcurrency / o.workers) : null, timeoutMs: o.timeoutMs,
  }));
  ordered.forEach((r, i) => jobs[workerOf(r, i, o.workers, openLoop)].requests.push(r));
  return jobs.filter((j) => j.requests.length > 0);
}

/** Every send of every worker, checked: each planned key exactly once. */
export function mergeSends(requests: readonly PlannedRequest[], parts: readonly LevelSend[][]): LevelSend[] {
  const want = new Set(requests.map((r) => r.key));
  const seen = new Set<string>();
  const out: LevelSend[] = [];
  for (const part of parts) for (const s of part) {
    if (!want.has(s.key)) throw new Error(`load workers: a send for a request not in the level (${s.key})`);
    if (seen.has(s.key)) throw new Error(`load workers: request ${s.key} was sent twice`);
    seen.add(s.key);
    out.push(s);
  }
  return out.sort((a, b) => a.sentAtMs - b.sentAtMs);
}

export async function driveLevelInWorkers(requests: readonly PlannedRequest[], o: SpreadOptions): Promise<LevelSend[]> {
  // Threads take a while to start: give them a shared start time far enough ahead.
  const startAtMs = nowEpochMs() + 250 + 50 * o.workers;
  const jobs = splitLevel(requests, o, startAtMs);
  const script = path.join(__dirname, 'worker.js');
  const parts = await Promise.all(jobs.map((job) => new Promise<LevelSend[]>((resolve, reject) => {
    // A heap limit per worker: a runaway worker dies with ERR_WORKER_OUT_OF_MEMORY (surfaced below), not the run.
    const w = new Worker(script, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    let settled = false;
    const onAbort = () => w.postMessage('abort');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const fail = (cause: string) => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      reject(new LoadWorkerError(job.worker, cause));
      void w.terminate();
    };
    w.once('message', (m: { ok: boolean; sends?: LevelSend[]; error?: string }) => {
      if (!m.ok) { fail(m.error ?? 'no reason given'); return; }
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      resolve(m.sends ?? []);
      void w.terminate();
    });
    w.once('error', (e: Error & { code?: string }) => fail(`${e.code ? e.code + ': ' : ''}${e.message}`));
    w.once('exit', (code) => fail(`the thread exited (code ${code}) before it sent its results`));
  })));
  return mergeSends(requests, parts);
}
