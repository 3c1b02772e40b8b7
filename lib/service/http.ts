/** Small node:http helpers: bounded body reading, JSON bodies, JSON and error responses. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, payloadTooLarge, toErrorResponse } from './errors';

/**
 * Reads the whole body, refusing more than `limit` bytes (413). A declared Content-Length over
 * the limit is refused before reading; otherwise the count is checked as chunks arrive. The
 * rest of a refused body is read and discarded by the server before it answers (discard-body.ts).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) { reject(payloadTooLarge(limit)); return; }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        failed = true;
        req.off('data', onData);
        reject(payloadTooLarge(limit));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => { if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)); });
    req.once('error', (e) => { if (!failed) reject(e); });
  });
}

/** Parses a JSON body; 400 with the parser's message when it is not JSON. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const buf = await readBody(req, limit);
  if (buf.length === 0) throw badRequest('the request body is empty: send a JSON object');
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw badRequest(`the request body is not valid JSON (${(e as Error).message}): send a JSON object with Content-Type: application/json`, null, 'invalid_json');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** 200 with an empty body: what Foundry's load/unload routes answer. */
export function sendEmpty(res: ServerResponse, status = 200): void {
  res.writeHead(status, { 'Content-Length': 0 });
  res.end();
}

/** Sends an OpenAI-shaped error, unless a response has already begun (then the connection is closed). */
export function sendError(res: ServerResponse, e: unknown, extraBody: Record<string, unknown> = {}): number {
  const { status, body, headers } = toErrorResponse(e);
  if (res.headersSent) {
    res.destroy();
    return status;
  }
  // A request whose body was not read to its end cannot be followed by another on this connection.
  const close: Record<string, string> = status === 413 || !res.req.complete ? { Connection: 'close' } : {};
  sendJson(res, status, { ...extraBody, ...body }, { ...headers, ...close });
  return status;
}
