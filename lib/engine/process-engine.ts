/**
 * A loaded model whose engine runs in its own process, with the same public face as
 * LoadedModel: the one engine client (host/remote-model.ts) over a child process's IPC channel
 * instead of a worker port. The service loads every model this way (as Ollama runs each model
 * in a runner process), so that a native crash — ONNX Runtime maps external data, and a model
 * file truncated under a loaded model raises SIGBUS on the next step — costs that model's
 * requests only, never the service and the other models. The crashed process is replaced on
 * the next request, and the replacement checks the model's files before creating a session
 * (a damaged model then fails cleanly). The engine process (lib/engines/process-host.ts) hosts
 * a LoadedModel, or llama.cpp's model for `engine: 'llama.cpp'`; it is pinged, and one that
 * answers nothing for frozenAfterMs is frozen (503 model_unavailable, killed, replaced).
 *
 *   const model = await ProcessModel.load(dir, { provider: 'cpu' });
 *   for await (const d of model.generate({ prompt: 'Hi', maxTokens: 8 })) process.stdout.write(d.text);
 *
 * Cost: one IPC message per event-loop turn of the engine process (deltas are coalesced);
 * scripts/bench/process-engine.ts measures it per token against the worker-thread engine.
 */
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { LoadOptions } from './load-options';
import { RemoteModel } from './host/remote-model';
import { processTransport } from './host/transport';
import { envValue } from '../environment';

export type { EngineModel } from './host/engine-model';
export { ModelUnavailableError } from './host/remote-model';

/**
 * The engine process's entry. It lives above this folder (lib/engines/) because it knows every
 * engine's loader (ONNX Runtime's and llama.cpp's); this folder names the file, never imports it.
 */
export const ENGINE_PROCESS_ENTRY = path.join(__dirname, '..', 'engines', 'process-host.js');

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

function frozenAfterDefault(): number {
  const env = Number(envValue('SLMLAB_ENGINE_FROZEN_MS'));
  return Number.isFinite(env) && env > 0 ? env : DEFAULT_FROZEN_AFTER_MS;
}

export class ProcessModel extends RemoteModel {
  /** Starts an engine process and loads `dir` in it. Errors are the engine's typed errors. */
  static async load(dir: string, opts: ProcessModelOptions = {}): Promise<ProcessModel> {
    const { frozenAfterMs, ...load } = opts;
    const absolute = path.resolve(dir);
    const model = new ProcessModel(absolute, load,
      { open: () => processTransport(ENGINE_PROCESS_ENTRY, absolute), window: 'all', disposeGraceMs: DISPOSE_GRACE_MS, frozenAfterMs: frozenAfterMs ?? frozenAfterDefault() },
      'cpu', null);
    await model.start();
    return model;
  }

  /** The engine process running the model now; null while none runs (crashed, frozen, disposed). */
  get child(): ChildProcess | null { return (this.current?.handle as ChildProcess | undefined) ?? null; }
}

/** Loads a model in its own engine process (see ProcessModel). */
export function loadModelInProcess(dir: string, opts: ProcessModelOptions = {}): Promise<ProcessModel> {
  return ProcessModel.load(dir, opts);
}
