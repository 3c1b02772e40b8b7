/**
 * Half-closed clients (issue 21). A client may shut down its sending side once its request is
 * sent (a FIN: netcat, some proxies, `shutdown(SHUT_WR)`), and still wait for the answer; the
 * server keeps such sockets open (httpAllowHalfOpen, server.ts). But a client that really left
 * (closed its socket) sends the same FIN, and the difference only shows when something is
 * written to it: the peer answers with a reset. So while a request whose client sent a FIN has
 * no response yet, the server writes an interim `102 Processing` every PROBE_MS (HTTP/1.1
 * clients must accept unexpected 1xx responses before the final one: RFC 9110 §15.2). A gone
 * client's socket then fails and closes, which cancels the request as before; a half-closed
 * one gets its answer. A streamed answer probes itself: every chunk is a write.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const PROBE_MS = 100;
const FIRST_RECHECK_MS = 5;

export function watchHalfClose(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  let timer: NodeJS.Timeout | null = null;
  const write = () => {
    if (res.headersSent || res.destroyed || socket.destroyed) { stop(); return; }
    res.writeProcessing();
  };
  const probe = () => {
    if (timer || res.headersSent || res.destroyed) return;
    // At once, and again a moment later: a gone peer answers the first write with a reset,
    // which the second write reports (EPIPE), so the request is cancelled within milliseconds.
    write();
    const again = setTimeout(write, FIRST_RECHECK_MS);
    again.unref();
    timer = setInterval(write, PROBE_MS);
    timer.unref();
    res.once('close', () => clearTimeout(again));
  };
  const stop = () => {
    if (timer) { clearInterval(timer); timer = null; }
    socket.off('end', probe);
  };
  if (socket.readableEnded) probe(); else socket.once('end', probe);
  res.once('close', stop);
  res.once('finish', stop);
}
