/**
 * The host side of the one protocol (protocol.ts): loads a model with the loader its options
 * name, runs requests on it, relays deltas, results, errors and aborts, answers pings, and ends
 * when told to dispose. The same loop runs in a worker thread (lib/engine/worker.ts) and in an
 * engine process (lib/engines/process-host.ts); they differ only in their channel and loaders.
 */
import type { MessagePort } from 'node:worker_threads';
import { ModelInvalidError, SlmlabError } from '../../errors';
import type { TextDelta } from '../types';
import type { EngineLoaders, HostedEngine } from './engine-model';
import { serializeError, type FromHost, type ToHost } from './protocol';

/** The host's end of a transport (transport.ts). */
export interface HostChannel {
  post(m: FromHost): void;
  listen(handler: (m: ToHost) => void): void;
  /** End the host (after dispose). */
  close(): void;
  /**
   * Coalesce deltas per event-loop turn (one message for a burst): a child process's JSON IPC
   * costs per message. A worker's port sends each delta at once.
   */
  coalesce: boolean;
}

/** A worker thread's parent port. */
export function portChannel(port: MessagePort): HostChannel {
  return { post: (m) => port.postMessage(m), listen: (h) => { port.on('message', h); }, close: () => port.close(), coalesce: false };
}

/** An engine process's IPC channel to the process that forked it. */
export function processChannel(): HostChannel {
  return {
    post: (m) => { process.send?.(m); },
    listen: (h) => { process.on('message', h); },
    close: () => { process.disconnect(); process.exit(0); },
    coalesce: true,
  };
}

export function serveEngine(channel: HostChannel, loaders: EngineLoaders): void {
  let engine: HostedEngine | null = null;
  let loading: Promise<HostedEngine> | null = null;
  const running = new Map<number, { stop: AbortController; settled: Promise<void> }>();

  const outbox = new Map<number, TextDelta[]>();
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    for (const [id, deltas] of outbox) channel.post({ type: 'deltas', id, deltas });
    outbox.clear();
  };
  const delta = (id: number, d: TextDelta) => {
    if (!channel.coalesce) { channel.post({ type: 'deltas', id, deltas: [d] }); return; }
    const list = outbox.get(id);
    if (list) list.push(d); else outbox.set(id, [d]);
    if (!flushScheduled) { flushScheduled = true; setImmediate(flush); }
  };

  async function run(e: HostedEngine, m: Extract<ToHost, { type: 'generate' }>, stop: AbortController): Promise<void> {
    const flag = m.abortFlag ? new Int32Array(m.abortFlag) : null;
    try {
      const stream = e.generate(m.request, {
        signal: stop.signal, queueMs: m.queueMs,
        ...(flag ? { shouldAbort: () => stop.signal.aborted || Atomics.load(flag, 0) !== 0 } : {}),
      });
      for await (const d of stream) delta(m.id, d);
      const result = await stream.result;
      flush();
      channel.post({ type: 'done', id: m.id, result });
    } catch (err) {
      flush();
      channel.post({ type: 'error', id: m.id, error: serializeError(err) });
    }
  }

  channel.listen((m) => {
    switch (m.type) {
      case 'load': {
        const name = m.options.engine ?? 'onnxruntime';
        const load = loaders[name];
        loading = load ? load(m.dir, m.options) : Promise.reject(new SlmlabError('invalid_request', `this engine host cannot run ${name}: load it in an engine process (ProcessModel, the service's default)`));
        loading.then(
          (e) => { engine = e; channel.post({ type: 'loaded', info: e.info, provider: e.provider, fellBackFrom: e.fellBackFrom }); },
          (e: unknown) => channel.post({ type: 'load-error', error: serializeError(e) }));
        return;
      }
      case 'generate': {
        if (!engine) { channel.post({ type: 'error', id: m.id, error: serializeError(new ModelInvalidError('no model is loaded in this engine: load one first')) }); return; }
        const stop = new AbortController();
        const settled = run(engine, m, stop).finally(() => running.delete(m.id));
        running.set(m.id, { stop, settled });
        return;
      }
      case 'abort': running.get(m.id)?.stop.abort(); return;
      case 'ping': channel.post({ type: 'pong', n: m.n }); return;
      case 'dispose':
        void (async () => {
          const e = await loading?.catch(() => null);
          try {
            await e?.dispose(); // stops the running requests: they end with finish reason 'abort'
            await Promise.all([...running.values()].map((r) => r.settled));
          } finally {
            flush();
            channel.close();
          }
        })();
    }
  });
}
