/**
 * What carries the protocol (protocol.ts) between an engine's client (remote-model.ts) and its
 * host (serve.ts): a worker thread's port or a child process's IPC channel. A transport starts
 * its host, sends and receives messages, reports the host's end once per cause, and can force
 * the end (dispose's last resort, or a frozen host). The client does everything else.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { EngineCrashedError } from '../../errors';
import type { FromHost, ToHost } from './protocol';

export interface Transport {
  /** The thread or process that runs the host (tests and diagnostics look at it). */
  readonly handle: Worker | ChildProcess;
  /** The operating-system process of the host: the caller's own for a worker thread. */
  readonly pid: number | null;
  /** Settles once the host has ended (exited, crashed, terminated). */
  readonly ended: Promise<void>;
  send(m: ToHost): void;
  /** Stop one request the host is running. */
  abort(id: number): void;
  onMessage(listener: (m: FromHost) => void): void;
  /** `how` describes the end ("exit code 1", "SIGKILL", an error's message); may be called more than once. */
  onEnd(listener: (how: string) => void): void;
  /** Ends the host at once (worker.terminate(), SIGKILL of our own child). */
  kill(): void;
  /** The error for the requests the host was running when it ended. */
  crashedError(how: string): Error;
  /** The error for a load the host never finished. */
  loadFailedError(how: string): Error;
}

/** The host in a worker thread (`entry`: lib/engine/worker.js). Aborts also set a shared flag, seen between two steps. */
export function workerTransport(entry: string): Transport {
  const worker = new Worker(entry);
  const flags = new Map<number, Int32Array>();
  const ended = new Promise<void>((r) => worker.once('exit', () => r()));
  worker.on('message', (m: FromHost) => { if (m.type === 'done' || m.type === 'error') flags.delete(m.id); });
  return {
    handle: worker, pid: process.pid, ended,
    send(m) {
      if (m.type === 'generate') {
        const buffer = new SharedArrayBuffer(4);
        flags.set(m.id, new Int32Array(buffer));
        worker.postMessage({ ...m, abortFlag: buffer } satisfies ToHost);
      } else worker.postMessage(m);
    },
    abort(id) {
      const flag = flags.get(id);
      if (flag) Atomics.store(flag, 0, 1);
      worker.postMessage({ type: 'abort', id } satisfies ToHost);
    },
    onMessage: (listener) => { worker.on('message', listener); },
    onEnd(listener) {
      worker.on('error', (e) => listener(e.message));
      worker.on('exit', (code) => listener(`exit code ${code}`));
    },
    kill: () => { void worker.terminate(); },
    crashedError: (how) => new EngineCrashedError(`the engine worker stopped during this request (${how}); the model will be reloaded for the next request`),
    loadFailedError: (how) => new EngineCrashedError(`the engine worker failed while loading: ${how}`),
  };
}

/** The host in a child process (`entry`: lib/engines/process-host.js), over Node's IPC channel (JSON). */
export function processTransport(entry: string, dir: string): Transport {
  // No execArgv: the engine process needs none of the parent's flags (inspectors, test runners).
  const child = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [], serialization: 'json' });
  const ended = new Promise<void>((r) => child.once('exit', () => r()));
  const send = (m: ToHost) => { if (child.connected) child.send(m); };
  return {
    handle: child, get pid() { return child.pid ?? null; }, ended, send,
    abort: (id) => send({ type: 'abort', id }),
    onMessage: (listener) => { child.on('message', listener); },
    onEnd(listener) {
      child.once('error', (e) => listener(`could not start: ${e.message}`));
      child.once('exit', (code, signal) => listener(signal ?? `exit code ${code}`));
    },
    // Our own child (forked above): killing it is safe.
    kill: () => { child.kill('SIGKILL'); },
    crashedError: (how) => new EngineCrashedError(`the engine process of this model died (${how}); only this model's requests failed, and it is reloaded on the next request`),
    loadFailedError: (how) => new EngineCrashedError(`the engine process exited (${how}) while loading ${dir}`),
  };
}
