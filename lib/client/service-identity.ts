/**
 * Knowing for certain that a pid is the slmlab service a state file describes, before
 * signalling it. A pid alone is not enough (pids are reused: a stale state file can name
 * npm, an editor, anything), nor is a command line ("cli.js" matches npm's npm-cli.js). Two
 * proofs, either of which is certain:
 *   - the process start time (Linux: /proc/<pid>/stat field 22, clock ticks since boot, proc(5))
 *     equals the one the service recorded for itself: a reused pid has a later start time;
 *   - the service answers its own GET /slmlab/instance with the pid and the random instance
 *     token it wrote into the state file.
 */
import * as fs from 'node:fs';
import { pidAlive, type ServiceState } from './service-state';
import { ServiceClient, type InstanceInfo } from './service-client';

export type { InstanceInfo };

/** The start time of `pid` in clock ticks since boot (Linux), or null where it cannot be read. */
export function processStartTime(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is in parentheses and may hold spaces: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[22 - 3]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** Asks `url` who it is; null when it does not answer as a slmlab service. */
export function askInstance(url: string, apiKey?: string, timeoutMs = 2000): Promise<InstanceInfo | null> {
  return new ServiceClient(url, { apiKey }).instance(timeoutMs);
}

/**
 * True only when the process `state.pid` is, for certain, the service that wrote `state`:
 * its start time matches the recorded one (where both are known, this decides, so a hung
 * service can still be stopped), or else it answers GET /slmlab/instance at `state.url` with
 * that pid and the recorded instance token.
 */
export async function isRecordedService(state: ServiceState, apiKey?: string): Promise<boolean> {
  if (!pidAlive(state.pid)) return false;
  const now = processStartTime(state.pid);
  if (typeof state.pidStartTime === 'number' && now !== null) return now === state.pidStartTime;
  const who = await askInstance(state.url, apiKey);
  return who !== null && who.pid === state.pid && (state.instance === undefined || who.instance === state.instance);
}
