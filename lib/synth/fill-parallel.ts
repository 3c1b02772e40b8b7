/**
 * Fills a planned model's weights with several worker threads. The plan is deterministic, so
 * each worker re-plans the same graph, takes its share of the fill jobs and writes them at
 * their reserved offsets in the one data file: the bytes are identical to a one-thread build.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { BuildError } from '../errors';
import type { DecoderPlan } from './decoder-graph';
import type { FillJob } from './linear';

export interface FillWorkerData {
  plan: DecoderPlan;
  dataPath: string;
  /** Indexes (into the plan's job list) this worker fills. */
  jobs: number[];
}

export type FillWorkerMessage = { type: 'job'; index: number } | { type: 'done' } | { type: 'error'; message: string };

/** Worker threads worth using: one per core, at most 4 (the build is memory-bandwidth bound). */
export function fillThreads(totalBytes: number): number {
  if (totalBytes < 64 * 1024 * 1024) return 1; // small models: threads cost more than they save
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

/** Deals jobs to `threads` workers, largest first, each to the least loaded (LPT scheduling). */
export function assignJobs(jobs: FillJob[], threads: number): number[][] {
  const order = jobs.map((j, i) => i).sort((a, b) => jobs[b].bytes - jobs[a].bytes || a - b);
  const load = new Array<number>(threads).fill(0);
  const shares: number[][] = Array.from({ length: threads }, () => []);
  for (const i of order) {
    let w = 0;
    for (let k = 1; k < threads; k++) if (load[k] < load[w]) w = k;
    shares[w].push(i);
    load[w] += jobs[i].bytes;
  }
  return shares;
}

/** Runs the jobs in worker threads; `onJob` is called in the main thread as each finishes. */
export async function fillInWorkers(plan: DecoderPlan, dataPath: string, jobs: FillJob[], threads: number, onJob: (index: number) => void): Promise<void> {
  const shares = assignJobs(jobs, threads);
  const workers = shares.map((share) => new Worker(path.join(__dirname, 'fill-worker.js'), { workerData: { plan, dataPath, jobs: share } satisfies FillWorkerData }));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.on('message', (m: FillWorkerMessage) => {
        if (m.type === 'job') onJob(m.index);
        else if (m.type === 'done') resolve();
        else reject(new BuildError(`a build worker failed: ${m.message}`));
      });
      w.on('error', reject);
      w.on('exit', (code) => { if (code !== 0) reject(new BuildError(`a build worker exited with code ${code}: run the build again (it starts afresh)`)); });
    })));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
