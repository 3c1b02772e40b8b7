/**
 * One HTTP GET with Node's http/https: redirects followed (301/302/303/307/308, RFC 9110
 * §15.4; the Hub answers `resolve/` URLs of LFS files with a 302 to its CDN), a timeout
 * for the response headers, and abort. The bearer token goes only to the origin it was
 * meant for: it is dropped when a redirect changes scheme, host or port (as `requests`
 * does, so a signed CDN URL never sees it).
 * Failures worth retrying (network errors, timeouts, 5xx/429) are TransientError.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { AbortedError, SlmlabError } from '../../errors';
import { isDnsFailure, OfflineError } from './offline';

export interface GetOptions {
  headers?: Record<string, string>;
  /** Sent as `Authorization: Bearer <token>` to `tokenOrigin` only. */
  token?: string;
  tokenOrigin?: string;
  /** Connect + response headers (ms). */
  timeoutMs: number;
  signal?: AbortSignal;
  maxRedirects?: number;
}

export interface GetResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  /** The URL that answered (after redirects). */
  url: string;
}

/**
 * A failure that another attempt may not have: connection reset, timeout, stall, 5xx, 429.
 * Retried inside the download; once retries run out it becomes a DownloadError (exhaustedError).
 * `httpStatus` is the server's answer, when there was one.
 */
export class TransientError extends SlmlabError {
  constructor(message: string, readonly httpStatus: number | null = null, readonly retryAfterMs: number | null = null, readonly timedOut = false) {
    super('download_failed', message, timedOut ? 504 : 502);
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function httpGet(url: string, opts: GetOptions): Promise<GetResponse> {
  let current = new URL(url);
  const maxRedirects = opts.maxRedirects ?? 10;
  for (let hop = 0; ; hop++) {
    const res = await getOnce(current, opts);
    if (!REDIRECTS.has(res.statusCode ?? 0)) return { status: res.statusCode ?? 0, headers: res.headers, body: res, url: current.href };
    res.resume(); // discard the redirect's body so the socket can be reused
    const location = res.headers.location;
    if (!location) throw new TransientError(`${current.href} answered ${res.statusCode} without a Location header`);
    if (hop >= maxRedirects) throw new TransientError(`more than ${maxRedirects} redirects from ${url}`);
    current = new URL(location, current);
  }
}

function getOnce(url: URL, opts: GetOptions): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) { reject(new AbortedError('download aborted by the caller')); return; }
    const headers: Record<string, string> = { 'user-agent': 'slmlab/0.1 (+onnxruntime-node)', ...opts.headers };
    if (opts.token && opts.tokenOrigin && url.origin === opts.tokenOrigin) headers.authorization = `Bearer ${opts.token}`;
    const lib = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
    if (!lib) { reject(new TransientError(`unsupported URL scheme in ${url.href}: use http or https`)); return; }
    const req = lib.get(url, { headers });
    const timer = setTimeout(() => req.destroy(new TransientError(`no answer from ${url.host} within ${opts.timeoutMs} ms`, null, null, true)), opts.timeoutMs);
    const onAbort = () => req.destroy(new AbortedError('download aborted by the caller'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => { clearTimeout(timer); opts.signal?.removeEventListener('abort', onAbort); };
    req.on('response', (res) => {
      done();
      // Abort while the body streams is the reader's job (it destroys the body).
      resolve(res);
    });
    req.on('error', (e) => {
      done();
      if (isDnsFailure(e)) { reject(new OfflineError(url.host, url.href)); return; }
      reject(e instanceof TransientError || e instanceof AbortedError ? e : new TransientError(`${url.host}: ${(e as Error).message}`));
    });
  });
}

/** Reads a whole (small) body as text, at most `limit` bytes. */
export async function readText(res: http.IncomingMessage, limit = 64 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of res) {
      n += (chunk as Buffer).length;
      if (n > limit) { res.destroy(); throw new TransientError(`response larger than ${limit} bytes`); }
      chunks.push(chunk as Buffer);
    }
  } catch (e) {
    throw e instanceof TransientError ? e : new TransientError(`the connection failed while reading the answer: ${(e as Error).message}`);
  }
  return Buffer.concat(chunks).toString('utf8');
}
