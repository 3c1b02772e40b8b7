/**
 * The one client of the slmlab service's own routes (everything but the OpenAI chat calls,
 * which go through the `openai` package in timed-chat.ts): the daemon's probes (GET
 * /slmlab/instance, /openai/loadedmodels, /slmlab/loaded), `slmlab model load|unload`
 * (/openai/load/:name, /openai/unload/:name) and `slmlab chat|browser` (the page probe, POST
 * /web/chat/docsets) all call through it. Every call is bounded like timed-chat.ts's: a total
 * time (AbortSignal.timeout) and a byte cap on the answer; a refusal becomes a SlmlabError
 * carrying the service's own error code and message, so the CLI's exit code follows it.
 *
 *   const svc = new ServiceClient('http://127.0.0.1:5273', { apiKey });
 *   await svc.load('tiny', { ep: 'cpu' });
 */
import { SlmlabError, type ErrorCode } from '../errors';
import { printable } from '../util/printable';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TOTAL_TIMEOUT_MS } from './bounds';

/** What GET /slmlab/instance answers. */
export interface InstanceInfo { instance: string; pid: number }

export interface ServiceClientOptions {
  /** Sent as `Authorization: Bearer <key>` when set (and not empty). */
  apiKey?: string;
  /**
   * Longest a call may take, answer included (default 5000 ms: a probe; a load that may build
   * first passes LONG_SERVICE_CALL_MS, timed-chat.ts's bound on a whole call).
   */
  timeoutMs?: number;
  /** Most bytes of one answer (default timed-chat.ts's DEFAULT_MAX_RESPONSE_BYTES, 8 MiB); a longer one fails the call. */
  maxBytes?: number;
}

export const DEFAULT_SERVICE_CALL_TIMEOUT_MS = 5000;
/** For calls that may download or build a model first (`slmlab model load`). */
export const LONG_SERVICE_CALL_MS = DEFAULT_TOTAL_TIMEOUT_MS;

/** An answer as read: status and body text (at most maxBytes). */
export interface ServiceAnswer { status: number; ok: boolean; text: string }

export class ServiceClient {
  readonly url: string;
  private readonly o: ServiceClientOptions;

  constructor(url: string, options: ServiceClientOptions = {}) {
    this.url = url.replace(/\/+$/, '');
    this.o = options;
  }

  /** One request; the answer whatever its status. Network failures, the timeout and the byte cap throw. */
  async request(method: 'GET' | 'POST', route: string, body?: unknown, timeoutMs?: number): Promise<ServiceAnswer> {
    const headers: Record<string, string> = this.o.apiKey ? { Authorization: `Bearer ${this.o.apiKey}` } : {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(this.url + route, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs ?? this.o.timeoutMs ?? DEFAULT_SERVICE_CALL_TIMEOUT_MS),
    });
    const text = await readCapped(res, this.o.maxBytes ?? DEFAULT_MAX_RESPONSE_BYTES, `${method} ${this.url}${route}`);
    return { status: res.status, ok: res.ok, text };
  }

  /** A JSON answer of a 2xx; anything else is a SlmlabError with the service's code and message. */
  async json<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
    const a = await this.request(method, route, body);
    if (!a.ok) throw refusal(method, this.url + route, a);
    try {
      return JSON.parse(a.text) as T;
    } catch {
      throw new SlmlabError('service_error', `${method} ${this.url}${route} answered ${a.status} with no JSON: is this an slmlab service? (\`slmlab service status\`)`, 502);
    }
  }

  /** Who listens here (GET /slmlab/instance); null when it does not answer as a slmlab service. */
  async instance(timeoutMs = 2000): Promise<InstanceInfo | null> {
    try {
      const a = await this.request('GET', '/slmlab/instance', undefined, timeoutMs);
      if (!a.ok) return null;
      const body = JSON.parse(a.text) as Partial<InstanceInfo>;
      return typeof body.instance === 'string' && typeof body.pid === 'number' ? { instance: body.instance, pid: body.pid } : null;
    } catch {
      return null;
    }
  }

  /** GET /openai/loadedmodels: the ids of the loaded models. */
  loadedModels(): Promise<string[]> {
    return this.json<string[]>('GET', '/openai/loadedmodels');
  }

  /** GET /slmlab/loaded: the loaded models in detail (the service's LoadedRecord, lib/service/model-manager.ts). */
  loaded<T = Record<string, unknown>>(): Promise<T[]> {
    return this.json<T[]>('GET', '/slmlab/loaded');
  }

  /** GET /openai/load/:name (Foundry's verb): loads a model, on `ep` when given, for `ttl` seconds when given. */
  async load(name: string, o: { ep?: string; ttl?: number } = {}): Promise<void> {
    const q = new URLSearchParams();
    if (o.ep) q.set('ep', o.ep);
    if (o.ttl !== undefined) q.set('ttl', String(o.ttl));
    await this.expectOk('GET', `/openai/load/${encodeURIComponent(name)}${q.size ? `?${q}` : ''}`);
  }

  /** GET /openai/unload/:name. */
  async unload(name: string): Promise<void> {
    await this.expectOk('GET', `/openai/unload/${encodeURIComponent(name)}`);
  }

  /** The status a page (/chat, /browser) answers with (404: a service older than the pages). */
  async pageStatus(page: string): Promise<number> {
    return (await this.request('GET', `/${page}`)).status;
  }

  /** POST /web/chat/docsets: stores documents for the chat page; the set's id. */
  async postDocset(docs: unknown): Promise<string> {
    return (await this.json<{ id: string }>('POST', '/web/chat/docsets', { docs })).id;
  }

  private async expectOk(method: 'GET' | 'POST', route: string): Promise<void> {
    const a = await this.request(method, route);
    if (!a.ok) throw refusal(method, this.url + route, a);
  }
}

/** The body as text, failing past `limit` bytes (the service's answers are small; an endless one is not ours). */
async function readCapped(res: Response, limit: number, what: string): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let seen = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    seen += chunk.byteLength;
    if (seen > limit) {
      await res.body.cancel().catch(() => undefined);
      throw new SlmlabError('service_error', `${what} answered more than ${limit} bytes: that is not an slmlab service's answer (check the URL)`, 502);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A refused call as a SlmlabError: the service's own code (model_not_found, provider_unavailable…)
 * and message when it sent OpenAI's error shape; otherwise a code from the status.
 */
function refusal(method: string, url: string, a: ServiceAnswer): SlmlabError {
  let message = a.text;
  let sent: string | undefined;
  try {
    const error = (JSON.parse(a.text) as { error?: { message?: string; code?: string } }).error;
    message = error?.message ?? a.text;
    sent = error?.code ?? undefined;
  } catch { /* plain text */ }
  const code = (sent ?? (a.status === 404 ? 'model_not_found' : a.status === 503 ? 'provider_unavailable' : a.status >= 500 ? 'service_error' : 'invalid_request')) as ErrorCode;
  return new ServiceCallError(code, printable(message || `${method} ${url} answered HTTP ${a.status}`), a.status);
}

/** The service refused a call: `code` is the service's own (its error body's), `status` its HTTP status. */
export class ServiceCallError extends SlmlabError {}
