/**
 * `slmlab service start|stop|restart|status|ps`: the service as a background process. start
 * spawns main.js detached (output appended to <cacheDir>/logs/service.log) and returns once
 * the new process has written <cacheDir>/service.json, i.e. once it listens; status reads that
 * file, checks the process is alive and that the endpoint answers, and cleans a stale file;
 * stop sends SIGTERM and waits. Every function returns a plain record; formatStatus() turns a
 * status into the line the CLI prints. The CLI wiring lives with the CLI.
 */
import { textTable } from '../util/text-table';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDir } from '../cache/location';
import { ServiceStartError } from '../errors';
import type { LoadedRecord } from '../service/model-manager';
import { pidAlive, readState, removeState, stateFilePath } from '../client/service-state';
import { processStartTime } from '../client/service-identity';
import { daemonStatus, probeKey, responds, statusOf, type DaemonOptions, type DaemonStatus } from '../client/running-service';
import { ServiceClient } from '../client/service-client';
import { acquireLock, lockFile } from '../cache/lock';

export { stateFilePath, readState, type ServiceState } from '../client/service-state';
export { daemonStatus, type DaemonOptions, type DaemonStatus } from '../client/running-service';

export interface StartDaemonOptions extends DaemonOptions {
  host?: string;
  /** 0 (default): a free port, reported in the result and the state file. */
  port?: number;
  ttlSeconds?: number;
  maxQueue?: number;
  threads?: number;
  maxBatch?: number;
  prefillChunk?: number;
  /** 'last' (the service's default) or 'all'. */
  logits?: 'last' | 'all';
  prefillWeights?: 'model' | 'int8';
  /** false: a request never starts a real model's download on first use (--no-auto-download). */
  autoDownload?: boolean;
  /** Model folders to serve, name -> folder. */
  models?: Record<string, string>;
  /** Serve every model folder under these (with neither this nor `models`: the catalog and the cache). */
  modelsDirs?: string[];
  /** How long to wait for the service to listen (default 20 s). */
  timeoutMs?: number;
  /** Extra environment for the service process. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The service process's flags (main.ts SERVICE_ARGS) for the options set in `o`, and none for
 * those left out (the process then applies its SLMLAB_* variable or default): how both the
 * background service and `slmlab service start --foreground` start one.
 */
export function serviceFlags(o: Omit<StartDaemonOptions, keyof DaemonOptions | 'timeoutMs' | 'env'>): string[] {
  const args: string[] = [];
  if (o.host !== undefined) args.push('--host', o.host);
  if (o.port !== undefined) args.push('--port', String(o.port));
  if (o.ttlSeconds !== undefined) args.push('--ttl', String(o.ttlSeconds));
  if (o.maxQueue !== undefined) args.push('--max-queue', String(o.maxQueue));
  if (o.threads !== undefined) args.push('--threads', String(o.threads));
  if (o.maxBatch !== undefined) args.push('--max-batch', String(o.maxBatch));
  if (o.prefillChunk !== undefined) args.push('--prefill-chunk', String(o.prefillChunk));
  if (o.logits !== undefined) args.push('--logits', o.logits);
  if (o.prefillWeights !== undefined) args.push('--prefill-weights', o.prefillWeights);
  if (o.autoDownload === false) args.push('--no-auto-download');
  for (const [name, folder] of Object.entries(o.models ?? {})) args.push('--model', `${name}=${folder}`);
  for (const d of o.modelsDirs ?? []) args.push('--models-dir', d);
  return args;
}

export interface StartResult extends DaemonStatus { alreadyRunning: boolean }
export interface StopResult { wasRunning: boolean; stopped: boolean; pid: number | null; forced: boolean; staleCleaned: boolean; stateFile: string }
export interface PsResult { running: boolean; url: string | null; models: LoadedRecord[] }

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function logFilePath(dir: string = cacheDir()): string {
  return path.join(dir, 'logs', 'service.log');
}

/** One line for humans: the endpoint, or clearly that nothing runs and how to start it. */
export function formatStatus(s: DaemonStatus): string {
  if (!s.running) {
    return `slmlab service is not running${s.staleCleaned ? ' (removed a stale state file of a process that is gone)' : ''}: start it with \`slmlab service start\``;
  }
  const health = s.responding === false ? ' — but it does not answer (stopped or hung): see the log, or `slmlab service restart`' : '';
  return `slmlab service is running on ${s.url} (pid ${s.pid}, since ${s.startedAt}${s.logFile ? `, log ${s.logFile}` : ''})${health}`;
}

/**
 * Starts the service in the background; returns once it listens (or the existing one's status).
 * Starts are serialised by a lock (<cacheDir>/locks/service.lock), so of several `service start`
 * at once exactly one starts a service and the others find it running (alreadyRunning).
 */
export async function startDaemon(o: StartDaemonOptions = {}): Promise<StartResult> {
  const dir = o.cacheDir ?? cacheDir();
  const { lock } = await acquireLock(lockFile(dir, 'service'), 'slmlab service', { pollMs: 50 });
  try {
    return await startLocked(dir, o);
  } finally {
    lock.release();
  }
}

async function startLocked(dir: string, o: StartDaemonOptions): Promise<StartResult> {
  const current = await daemonStatus({ ...o, cacheDir: dir, probe: false });
  const currentState = readState(stateFilePath(dir));
  if (current.running && currentState) return { ...current, responding: await responds(currentState, o), alreadyRunning: true };

  const file = stateFilePath(dir);
  const logFile = logFilePath(dir);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const args = [path.join(__dirname, 'main.js'), '--foreground', '--state-file', file, '--log-file', logFile,
    '--host', o.host ?? '127.0.0.1', '--port', String(o.port ?? 0), ...serviceFlags({ ...o, host: undefined, port: undefined })];

  const log = fs.openSync(logFile, 'a');
  fs.writeSync(log, `\n--- ${new Date().toISOString()} slmlab service start\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env, SLMLAB_CACHE_DIR: dir };
  if (o.apiKey) env.SLMLAB_API_KEY = o.apiKey;
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env, windowsHide: true });
  fs.closeSync(log);
  let exited: number | string | null = null;
  child.once('exit', (code, signal) => { exited = code ?? signal ?? 'unknown'; });
  child.once('error', (e) => { exited = e.message; });

  const deadline = Date.now() + (o.timeoutMs ?? 20_000);
  try {
    for (;;) {
      const state = readState(file);
      if (state && state.pid === child.pid) return { ...statusOf(state, file, true, await responds(state, o), false), alreadyRunning: false };
      if (exited !== null) throw new ServiceStartError(startFailure(logFile, exited));
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new ServiceStartError(`the service did not start listening within ${o.timeoutMs ?? 20_000} ms: see ${logFile}`);
      }
      await sleep(25);
    }
  } finally {
    child.unref();
  }
}

/** One line: the service's own error message from the log when it printed one, else where to look. */
function startFailure(logFile: string, exited: number | string): string {
  const said = tail(logFile, 40).split('\n').reverse().find((l) => l.startsWith('slmlab service: '));
  if (said && !said.includes('unexpected error')) return said.slice('slmlab service: '.length);
  return `the service process exited (${exited}) before it listened: see ${logFile}`;
}

function tail(file: string, lines = 12): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** SIGTERM, then waits (SIGKILL after `timeoutMs`, default 15 s). Not running is not an error. */
export async function stopDaemon(o: DaemonOptions & { timeoutMs?: number } = {}): Promise<StopResult> {
  const file = stateFilePath(o.cacheDir ?? cacheDir());
  const s = await daemonStatus({ ...o, probe: false });
  if (!s.running) return { wasRunning: false, stopped: true, pid: null, forced: false, staleCleaned: s.staleCleaned, stateFile: file };
  const pid = s.pid!;
  const startTime = processStartTime(pid);
  // The same process still (not a pid recycled while we waited): only then is it signalled.
  const same = () => pidAlive(pid) && processStartTime(pid) === startTime;
  try { process.kill(pid, 'SIGTERM'); } catch { /* gone meanwhile */ }
  const deadline = Date.now() + (o.timeoutMs ?? 15_000);
  while (same() && Date.now() < deadline) await sleep(25);
  let forced = false;
  if (same()) {
    forced = true;
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
    while (same()) await sleep(25);
  }
  removeState(file, pid);
  return { wasRunning: true, stopped: true, pid, forced, staleCleaned: false, stateFile: file };
}

/** stop, then start with `o` (pass the port again to keep it; 0 picks a new free one). */
export async function restartDaemon(o: StartDaemonOptions = {}): Promise<StartResult & { stoppedPid: number | null }> {
  const stopped = await stopDaemon(o);
  return { ...(await startDaemon(o)), stoppedPid: stopped.pid };
}

/** The models the running service has loaded, with provider, device, queue and TTL. */
export async function daemonPs(o: DaemonOptions = {}): Promise<PsResult> {
  const s = await daemonStatus({ ...o, probe: false });
  if (!s.running) return { running: false, url: null, models: [] };
  const svc = new ServiceClient(s.url!, { apiKey: probeKey(o) });
  const names = await svc.loadedModels();
  const detail = await svc.loaded<LoadedRecord>().catch(() => null);
  const models = detail ?? names.map((id) => ({ id } as LoadedRecord));
  return { running: true, url: s.url, models };
}

/** `slmlab service ps` lines: one per loaded (model, provider). */
export function formatPs(p: PsResult): string {
  if (!p.running) return 'slmlab service is not running: start it with `slmlab service start`';
  if (!p.models.length) return `no models loaded (service on ${p.url})`;
  return textTable(['Model ID', 'Provider', 'Device', 'In flight', 'Requests', 'TTL (s)'],
    p.models.map((m) => [m.id, String(m.provider ?? '?'), String(m.device ?? '?'), String(m.inFlight ?? '?'), String(m.requests ?? '?'), String(m.ttlSeconds ?? '?')]));
}
