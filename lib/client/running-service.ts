/**
 * Is slmlab's service running, and where? Read from the state file it writes once it listens
 * (<cacheDir>/service.json, service-state.ts), checked against the process (service-identity.ts:
 * never a recycled pid) and, unless told not to, asked at its URL (GET /slmlab/instance). A
 * state file whose process is gone is removed. `slmlab service status`, the daemon
 * (lib/app/daemon.ts) and findEndpoint() all ask here.
 */
import * as fs from 'node:fs';
import { cacheDir } from '../cache/location';
import { envValue } from '../environment';
import { readState, removeState, stateFilePath, type ServiceState } from './service-state';
import { askInstance, isRecordedService } from './service-identity';

export interface DaemonOptions {
  /** Default: cacheDir() (SLMLAB_CACHE_DIR, …). The state file and log live here. */
  cacheDir?: string;
  /** Sent as a Bearer token by status/ps probes. Default: SLMLAB_API_KEY. */
  apiKey?: string;
}

export interface DaemonStatus {
  running: boolean;
  pid: number | null;
  url: string | null;
  host: string | null;
  port: number | null;
  startedAt: string | null;
  logFile: string | null;
  stateFile: string;
  /** The endpoint answered GET /slmlab/instance as the recorded service (null: not probed). */
  responding: boolean | null;
  /** A state file was found for a process that no longer exists, and removed. */
  staleCleaned: boolean;
}

/** The key probes send: the caller's, else SLMLAB_API_KEY (empty: none). */
export function probeKey(o: DaemonOptions): string | undefined {
  return (o.apiKey ?? envValue('SLMLAB_API_KEY')) || undefined;
}

/** Does the service recorded in `state` answer at its URL as itself? */
export async function responds(state: ServiceState, o: DaemonOptions): Promise<boolean> {
  const who = await askInstance(state.url, probeKey(o));
  return who !== null && who.pid === state.pid && (state.instance === undefined || who.instance === state.instance);
}

export function statusOf(state: ServiceState | null, file: string, running: boolean, responding: boolean | null, staleCleaned: boolean): DaemonStatus {
  return {
    running, pid: running ? state!.pid : null, url: running ? state!.url : null, host: running ? state!.host : null,
    port: running ? state!.port : null, startedAt: running ? state!.startedAt : null, logFile: running ? state!.logFile : null,
    stateFile: file, responding, staleCleaned,
  };
}

/** Is a service running? Cleans a state file whose process is gone. */
export async function daemonStatus(o: DaemonOptions & { probe?: boolean } = {}): Promise<DaemonStatus> {
  const file = stateFilePath(o.cacheDir ?? cacheDir());
  const state = readState(file);
  if (!state) {
    const stale = fs.existsSync(file);
    if (stale) fs.rmSync(file, { force: true }); // unreadable: a torn write from a crashed process
    return statusOf(null, file, false, null, stale);
  }
  // Is `state.pid` for certain the service that wrote `state`? Never a recycled pid.
  if (!(await isRecordedService(state, probeKey(o)))) {
    removeState(file, state.pid);
    return statusOf(null, file, false, null, true);
  }
  const ok = o.probe === false ? null : await responds(state, o);
  return statusOf(state, file, true, ok, false);
}
