/**
 * The workshop's port. Session 3's `curl http://localhost:5273/v1/chat/completions` expects the
 * local endpoint on 5273, so `slmlab service start` without --port takes 5273 when it is free,
 * and otherwise a free port, saying so (the printed URL is the one to use).
 */
import * as net from 'node:net';

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

/** An explicit port is kept as is; none means 5273 when free, else 0 (a free port) with a note. */
export async function choosePort(host: string, requested?: number): Promise<PortChoice> {
  if (requested !== undefined) return { port: requested, note: null };
  if (await portIsFree(host, WORKSHOP_PORT)) return { port: WORKSHOP_PORT, note: null };
  return { port: 0, note: `port ${WORKSHOP_PORT} (the workshop's) is in use on ${host}, so the service took a free port instead: use the URL below, not localhost:${WORKSHOP_PORT}` };
}
