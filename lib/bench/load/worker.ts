/**
 * A load-generator worker thread: drives its share of one load level against an endpoint
 * and posts the sends back (workers.ts starts it). Own event loop, own HTTP connections,
 * own OpenAI client: what one process cannot send in time, several can.
 */
import { parentPort, workerData } from 'node:worker_threads';
import OpenAI from 'openai';
import { driveLevel } from './drive-level';
import { sender } from './chat-request';
import type { WorkerJob } from './workers';

const job = workerData as WorkerJob;
const controller = new AbortController();
parentPort?.on('message', (m: unknown) => { if (m === 'abort') controller.abort(); });

(async () => {
  const client = new OpenAI({ baseURL: job.baseURL, apiKey: job.apiKey, maxRetries: 0 });
  const sends = await driveLevel(job.requests, sender(client, { timeoutMs: job.timeoutMs, signal: controller.signal }), {
    startAtMs: job.startAtMs, offsets: job.offsets, maxConcurrency: job.maxConcurrency, worker: job.worker, signal: controller.signal,
  });
  parentPort?.postMessage({ ok: true, sends });
})().catch((e: unknown) => {
  // The cause first (one line): the parent shows it as the run's error.
  parentPort?.postMessage({ ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
});
