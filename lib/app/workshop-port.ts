/**
 * The workshop's port. Session 3's `curl http://localhost:5273/v1/chat/completions` expects the
 * local endpoint on 5273, so every command that starts the background service (`slmlab service
 * start|restart`, `slmlab chat`, `slmlab browser`) goes through startOnWorkshopPort(): 5273 when it
 * is free, otherwise a free port and a note saying which one; a service already running is reused
 * as it is (whatever its port).
 */
import * as net from 'node:net';
import { daemonStatus, startDaemon, stopDaemon, type StartDaemonOptions, type StartResult } from './daemon';

export const WORKSHOP_PORT = 5273;

/** Whether `port` can be bound on `host` right now (bound and released at once). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

export interface PortChoice { port: number; note: string | null }

/**
 * An explicit port is kept as is; none means `preferred` (5273) when free, else 0 (a free port)
 * with a note. `preferred` is a parameter so tests never touch 5273.
 */
export async function choosePort(host: string, requested?: number, preferred: number = WORKSHOP_PORT): Promise<PortChoice> {
  if (requested !== undefined) return { port: requested, note: null };
  if (await portIsFree(host, preferred)) return { port: preferred, note: null };
  return { port: 0, note: `port ${preferred} (the workshop's) is in use on ${host}, so the service took a free port instead` };
}

export interface WorkshopStartOptions extends StartDaemonOptions {
  /** The port to prefer when `port` is not given (default 5273; tests pass a free one). */
  preferredPort?: number;
  /** Stop a running service first (`slmlab service restart`). */
  restart?: boolean;
}

export interface WorkshopStart extends StartResult {
  /** restart: the pid of the service that was stopped first (null when none ran). */
  stoppedPid?: number | null;
  /** Set when the preferred port was taken: which port the service took instead, in one line. */
  note: string | null;
}

/**
 * Starts the background service (or finds the running one): on `port` when given, else on the
 * workshop's port when free, else on a free port with a note naming it.
 */
export async function startOnWorkshopPort(o: WorkshopStartOptions = {}): Promise<WorkshopStart> {
  const { preferredPort, restart, ...daemon } = o;
  if (!restart) {
    const running = await daemonStatus({ ...daemon, probe: false });
    if (running.running) return { ...(await startDaemon(daemon)), note: null };
  }
  // A restart stops the old service first: it may hold the preferred port.
  const stopped = restart ? await stopDaemon(daemon) : null;
  const chosen = await choosePort(daemon.host ?? '127.0.0.1', daemon.port, preferredPort);
  const r = await startDaemon({ ...daemon, port: chosen.port });
  const note = chosen.note && !r.alreadyRunning ? `${chosen.note}: it listens on ${r.url} (use this URL, not localhost:${preferredPort ?? WORKSHOP_PORT})` : null;
  return { ...r, note, ...(stopped ? { stoppedPid: stopped.pid } : {}) };
}
