/**
 * <cacheDir>/service.json: where a running service listens, written by the service process
 * itself once it listens and removed when it stops. `slmlab service status` and clients read
 * it to find the endpoint, because the port can be dynamic (Foundry Local's #424).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDir } from '../cache/location';

export interface ServiceState {
  pid: number;
  url: string;
  port: number;
  host: string;
  /** ISO time the service started listening. */
  startedAt: string;
  /** Where its log goes (null when it runs in a terminal). */
  logFile: string | null;
  /** A random token the service also answers on GET /slmlab/instance: proves who listens at `url`. */
  instance?: string;
  /** The process start time (clock ticks since boot, Linux) when the service wrote this file: a reused pid differs. */
  pidStartTime?: number | null;
}

export function stateFilePath(dir: string = cacheDir()): string {
  return path.join(dir, 'service.json');
}

/** The state file's record, or null when absent or unreadable (a torn or foreign file). */
export function readState(file: string): ServiceState | null {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as ServiceState;
    return typeof s.pid === 'number' && typeof s.url === 'string' ? s : null;
  } catch {
    return null;
  }
}

/** Written to a temporary name and renamed, so a reader never sees half a file. */
export function writeState(file: string, state: ServiceState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** Removes the file if it still describes `pid` (another service may have replaced it). */
export function removeState(file: string, pid?: number): void {
  const s = readState(file);
  if (pid !== undefined && s && s.pid !== pid) return;
  fs.rmSync(file, { force: true });
}

export { pidAlive } from '../util/pid-alive';
