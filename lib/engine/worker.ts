/**
 * The engine's worker thread. ONNX Runtime's run() blocks the thread it runs on, so
 * a model lives here and the main thread's event loop (an HTTP server, a notebook, a
 * progress bar) stays free while it generates. With maxBatch > 1 the batch scheduler decodes
 * the requests it is given together; with 1 it runs them one at a time (the main thread queues).
 */
import { parentPort } from 'node:worker_threads';
import { ModelInvalidError, SlmlabError, type SerializedError } from '../errors';
import { DecoderSession } from './decoder-session';
import { inspectModelFolder, type ModelFolder } from './model-folder';
import { TextTokenizer } from './tokenizer';
import { generate } from './generate';
import { BatchScheduler } from './batch-scheduler';
import type { BatchingInfo, FromWorker, ToWorker } from './worker-protocol';

if (!parentPort) throw new Error('engine/worker.js must run as a worker thread');
const port = parentPort;

let loaded: { session: DecoderSession; tokenizer: TextTokenizer; folder: ModelFolder; scheduler: BatchScheduler | null } | null = null;

function serialize(e: unknown): SerializedError {
  if (e instanceof SlmlabError) return e.toJSON();
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: 'SlmlabError', code: 'engine_crashed', status: 500, message: err.message };
}

const post = (m: FromWorker) => port.postMessage(m);

port.on('message', (m: ToWorker) => {
  void (async () => {
    if (m.type === 'load') {
      const t0 = performance.now();
      try {
        const folder = inspectModelFolder(m.dir, m.onnxFile);
        const [session, tokenizer] = await Promise.all([
          DecoderSession.create(folder.onnxPath, m.session),
          TextTokenizer.fromFolder(folder.dir),
        ]);
        const ctx = { tokenizer, folder, provider: m.session.provider };
        // The batching check also warms the session up (its first runs are the slowest).
        // A cache kept on the device (webgpu) cannot be packed into a batch on the host: one sequence at a time.
        const check = session.kvOnDevice && m.maxBatch > 1
          ? { exact: false, maxAbsDiff: null, reason: 'the KV cache stays on the device (webgpu, device-kv.ts): sequences decode one at a time; load with kvOnDevice: false to batch' }
          : m.maxBatch > 1 ? await session.checkBatching() : null;
        const maxBatch = check && !check.exact ? 1 : m.maxBatch;
        // Prompts are prefilled together only when that, too, gives each one its solo logits.
        const prefillCheck = maxBatch > 1 ? await session.checkPrefillBatching() : null;
        const prefill = { batched: prefillCheck?.exact === true, chunk: m.prefillChunk ?? 0, check: prefillCheck };
        const batching: BatchingInfo = { requestedMaxBatch: m.maxBatch, maxBatch, check, prefill };
        loaded = { session, tokenizer, folder, scheduler: maxBatch > 1 ? new BatchScheduler(session, ctx, maxBatch, prefill) : null };
        post({
          type: 'loaded',
          info: {
            folder, provider: m.session.provider, inputNames: [...session.session.inputNames], outputNames: [...session.session.outputNames],
            layers: session.layers, loadMs: performance.now() - t0, templateSource: tokenizer.templateSource, batching,
            lastPositionLogits: session.lastPositionLogits, prefillWeights: session.prefillWeights,
          },
        });
      } catch (e) {
        post({ type: 'load-error', error: serialize(e) });
      }
      return;
    }
    if (m.type === 'dispose') {
      const session = loaded?.session;
      loaded = null;
      try { await session?.release(); } finally { port.close(); }
      return;
    }
    if (m.type === 'generate') {
      if (!loaded) {
        post({ type: 'error', id: m.id, error: serialize(new ModelInvalidError('no model is loaded in this engine: load one first')) });
        return;
      }
      const flag = new Int32Array(m.abort);
      if (loaded.scheduler) {
        loaded.scheduler.add({
          id: m.id, request: m.request, queueMs: m.queueMs,
          shouldAbort: () => Atomics.load(flag, 0) !== 0,
          onDelta: (delta) => post({ type: 'delta', id: m.id, delta }),
          onDone: (result) => post({ type: 'done', id: m.id, result }),
          onError: (e) => post({ type: 'error', id: m.id, error: serialize(e) }),
        });
        return;
      }
      try {
        const result = await generate(
          { session: loaded.session, tokenizer: loaded.tokenizer, folder: loaded.folder, provider: loaded.session.provider },
          m.request,
          { onDelta: (delta) => post({ type: 'delta', id: m.id, delta }), shouldAbort: () => Atomics.load(flag, 0) !== 0, queueMs: m.queueMs },
        );
        post({ type: 'done', id: m.id, result });
      } catch (e) {
        post({ type: 'error', id: m.id, error: serialize(e) });
      }
    }
  })();
});
