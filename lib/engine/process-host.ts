/**
 * The engine process: one per loaded model, forked by ProcessModel (process-engine.ts). It
 * hosts the engine as it is (LoadedModel, with its worker thread) and relays requests, text
 * deltas, results and aborts over the IPC channel. A native crash in ONNX Runtime (SIGBUS
 * from a model file truncated under it, SIGSEGV) ends this process only; the service that
 * forked it answers the model's requests with an error and starts a new one.
 * It exits when told to dispose, and by itself when its parent goes away.
 */
import { loadModel, type LoadedModel } from './engine';
import { SlmlabError, type SerializedError } from '../errors';
import type { FromHost, ToHost } from './process-protocol';
import type { TextDelta } from './types';
import { loadHostedLlamaCpp } from '../engines/llama-cpp/host-load';

if (!process.send) {
  process.stderr.write('engine/process-host.js runs as a child process of slmlab\'s service (ProcessModel), not by itself\n');
  process.exit(2);
}

const send = (m: FromHost) => { process.send!(m); };
let model: LoadedModel | null = null;
let loading: Promise<LoadedModel> | null = null;
const running = new Map<number, AbortController>();

function serialize(e: unknown): SerializedError {
  if (e instanceof SlmlabError) return e.toJSON();
  return { name: 'SlmlabError', code: 'engine_crashed', status: 500, message: e instanceof Error ? e.message : String(e) };
}

/** Deltas waiting to be sent: flushed once per event-loop turn, so a burst costs one message. */
const outbox = new Map<number, TextDelta[]>();
let flushScheduled = false;
function queueDelta(id: number, d: TextDelta): void {
  const list = outbox.get(id);
  if (list) list.push(d); else outbox.set(id, [d]);
  if (!flushScheduled) { flushScheduled = true; setImmediate(flush); }
}
function flush(): void {
  flushScheduled = false;
  for (const [id, deltas] of outbox) send({ type: 'deltas', id, deltas });
  outbox.clear();
}

async function generate(id: number, m: LoadedModel, request: Parameters<LoadedModel['generate']>[0]): Promise<void> {
  const ac = new AbortController();
  running.set(id, ac);
  try {
    const stream = m.generate(request, { signal: ac.signal });
    for await (const d of stream) queueDelta(id, d);
    const result = await stream.result;
    flush();
    send({ type: 'done', id, result });
  } catch (e) {
    flush();
    send({ type: 'error', id, error: serialize(e) });
  } finally {
    running.delete(id);
  }
}

process.on('message', (msg: ToHost) => {
  if (msg.type === 'load') {
    // issue 23: the same process hosts a llama.cpp model (on a GGUF export of the same weights)
    loading = msg.options.engine === 'llama.cpp' ? loadHostedLlamaCpp(msg.dir, msg.options) as unknown as Promise<LoadedModel> : loadModel(msg.dir, msg.options);
    loading.then(
      (m) => { model = m; send({ type: 'loaded', info: m.info, provider: m.provider, fellBackFrom: m.fellBackFrom }); },
      (e: unknown) => { send({ type: 'load-error', error: serialize(e) }); });
    return;
  }
  if (msg.type === 'generate') {
    const m = model;
    if (!m) { send({ type: 'error', id: msg.id, error: serialize(new SlmlabError('model_invalid', 'no model is loaded in this engine process: load one first', 422)) }); return; }
    void generate(msg.id, m, msg.request);
    return;
  }
  if (msg.type === 'abort') { running.get(msg.id)?.abort(); return; }
  if (msg.type === 'ping') { send({ type: 'pong', n: msg.n }); return; }
  if (msg.type === 'dispose') {
    void (async () => {
      await loading?.catch(() => undefined);
      await model?.dispose();
      flush();
      process.disconnect();
      process.exit(0);
    })();
  }
});

// The service is gone (crashed or killed): nobody will ever ask for anything again.
process.on('disconnect', () => process.exit(0));
