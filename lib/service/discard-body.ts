/**
 * Reading and throwing away the rest of a request body before an early answer (413, 401,
 * 403, 404…). A server that answers and closes while the client is still sending makes the
 * client's kernel see a reset, and the client reports "connection reset" instead of the
 * answer. So the rest is read and discarded, up to a bound in bytes and in time; past the
 * bound the answer is sent anyway and the connection closed.
 */
import type { IncomingMessage } from 'node:http';

/** Most bytes read and discarded after an early answer is decided (beyond: answer and close). */
export const DISCARD_BOUND_BYTES = 64 * 1024 * 1024;
/** Longest wait for the rest of a body (a client that sends slowly is not waited for). */
export const DISCARD_BOUND_MS = 10_000;

/** Resolves true once the body has been read to its end, false if a bound was reached first. */
export function discardBody(req: IncomingMessage, maxBytes = DISCARD_BOUND_BYTES, maxMs = DISCARD_BOUND_MS): Promise<boolean> {
  if (req.complete || req.readableEnded || req.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (all: boolean) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onClose);
      resolve(all);
    };
    const onData = (c: Buffer) => {
      seen += c.length;
      if (seen > maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(req.complete);
    const timer = setTimeout(() => finish(false), maxMs);
    timer.unref();
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.once('error', onClose);
    req.resume();
  });
}
