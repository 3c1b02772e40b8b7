/**
 * A real HTTP server on 127.0.0.1 (free port) that speaks OpenAI's chat-completions SSE protocol
 * from a script, so tests can prove metric definitions against known timings:
 *
 *   const srv = await startScriptedServer();
 *   srv.script('m', { chunks: [
 *     { delayMs: 5, role: true },                  // role-only first chunk
 *     { delayMs: 30, content: 'abc', tokens: 3 },  // first text, 35 ms after the request
 *     { delayMs: 10, content: 'def', tokens: 3 },
 *     { delayMs: 10, finishReason: 'stop' },
 *   ], usage: 'continuous' });
 *   const call = await timedChat(new OpenAI({ baseURL: srv.baseURL, apiKey: 'x' }), { model: 'm', messages });
 *   srv.requests[0].sends  // what the server wrote, when (Unix ms, sub-ms precision)
 *
 * A chunk never leaves before its scripted time, but may leave after it when timers fire late
 * on a busy machine: so every write is stamped
 * (performance.timeOrigin + performance.now(), the clock timedChat's startEpochMs uses) and
 * the stamp also travels in the chunk as `x_sent_at`. A model with no script gets a 404.
 *
 * Load-dependent scripts (`load`), like llm-d-inference-sim's time-factor-under-load: the
 * server counts the requests of that model in flight just after one arrives (itself included), n,
 * and answers it with TTFT = ttftMs + ttftPerInflightMs·(n-1) and every later token
 * itlMs + itlPerInflightMs·(n-1) apart; a seeded share `failureRate` of requests gets a 500.
 * Each RecordedRequest keeps its n (`inflight`) and whether it was failed on purpose.
 *
 *   srv.script('m', { load: { ttftMs: 20, ttftPerInflightMs: 10, itlMs: 5, itlPerInflightMs: 2, tokens: 8, failureRate: 0.1 } });
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamFor } from '../../lib/util/rng';

export interface LoadScript {
  /** TTFT with nothing else in flight, ms after the body was read. */
  ttftMs: number;
  /** Added to TTFT per other request of the model in flight at arrival. */
  ttftPerInflightMs?: number;
  /** Gap between later tokens with nothing else in flight. */
  itlMs: number;
  itlPerInflightMs?: number;
  /** Completion tokens (one per chunk). */
  tokens: number;
  /**
   * n is counted this long after arrival (default 3 ms), so requests that arrive together see
   * each other (closed-loop clients that finish together resend within a millisecond or two).
   * The delays still run from arrival.
   */
  settleMs?: number;
  /** Share of requests answered with HTTP 500 (seeded draw per request, in arrival order). */
  failureRate?: number;
  seed?: number;
}

export interface ScriptChunk {
  /** ms after the previous chunk; for the first, after the request body was read. */
  delayMs: number;
  /** Send delta.role = 'assistant' (with content '' unless content is given). */
  role?: boolean;
  content?: string;
  reasoning?: string;
  /** Tokens this chunk stands for (continuous usage counts them). Default: 1 when it has text, else 0. */
  tokens?: number;
  finishReason?: string;
}

export interface Script {
  /** An HTTP error instead of a stream: status and OpenAI-shaped error body. */
  status?: number;
  errorMessage?: string;
  chunks?: ScriptChunk[];
  /** 'final' (default): one usage chunk at the end when include_usage is asked; 'continuous': also on every chunk; 'none': never. */
  usage?: 'final' | 'continuous' | 'none';
  promptTokens?: number;
  /** After the chunks, an error event instead of [DONE] (what servers do when generation fails mid-stream). */
  midStreamError?: string;
  /** After the chunks, close the connection without finish or [DONE]. */
  cutOff?: boolean;
  /** After the chunks, this raw event data (e.g. something that is not JSON), then [DONE]. */
  rawEvent?: string;
  /** Extra fields merged into the last chunk that has a finish_reason (e.g. an `slmlab` extension). */
  finishExtra?: Record<string, unknown>;
  /** Load-dependent timing instead of `chunks` (see the file comment). */
  load?: LoadScript;
}

/** The chunks a load script gives a request that found `n` requests in flight (itself included). */
export function loadChunks(l: LoadScript, n: number): ScriptChunk[] {
  const ttft = l.ttftMs + (l.ttftPerInflightMs ?? 0) * (n - 1);
  const itl = l.itlMs + (l.itlPerInflightMs ?? 0) * (n - 1);
  const chunks: ScriptChunk[] = [{ delayMs: ttft, role: true, content: 'w0 ' }];
  for (let i = 1; i < l.tokens; i++) chunks.push({ delayMs: itl, content: `w${i} ` });
  chunks.push({ delayMs: 0, finishReason: 'length' });
  return chunks;
}

export type SendKind = 'role' | 'text' | 'empty' | 'finish' | 'usage' | 'error' | 'done';

export interface Send {
  kind: SendKind;
  /** Unix ms with sub-ms precision, taken just before the write. */
  at: number;
  tokens: number;
  /** Index in the script's chunks (-1 for usage/error/done). */
  index: number;
}

export interface RecordedRequest {
  body: any;
  /** Request headers received / body read, Unix ms. */
  arrivedAt: number;
  bodyReadAt: number;
  /** Status line and headers flushed (null: an error answer), Unix ms. */
  headersAt: number | null;
  sends: Send[];
  /** Load scripts: requests of the model in flight at arrival, itself included. */
  inflight?: number;
  /** Load scripts: answered 500 by the failure rate. */
  failed?: boolean;
}

export interface ScriptedServer {
  url: string;
  /** url + '/v1', for `new OpenAI({ baseURL })`. */
  baseURL: string;
  script(model: string, s: Script): void;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export const nowEpoch = () => performance.timeOrigin + performance.now();

/**
 * Waits until `target` (performance.now() ms). A timer, always (so the client, in the same
 * process, reads what was sent meanwhile), then a spin over the sub-millisecond rest that
 * timers round away, so that a chunk never leaves before its scripted time. Timers fire late
 * on a busy machine; the send stamps record when a chunk really left.
 */
async function until(target: number): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.max(0, target - performance.now())));
  while (performance.now() < target) { /* spin: < 1 ms */ }
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  const scripts = new Map<string, Script>();
  const requests: RecordedRequest[] = [];
  const inflight = new Map<string, number>();
  const failureDraws = new Map<string, () => number>();
  const ctx: LoadContext = { inflight, failureDraws };

  const server = http.createServer({ noDelay: true, keepAlive: true }, (req, res) => {
    const arrivedAt = nowEpoch();
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      const bodyReadAt = nowEpoch();
      let body: any = null;
      try { body = JSON.parse(Buffer.concat(parts).toString('utf8')); } catch { /* answered below */ }
      const rec: RecordedRequest = { body, arrivedAt, bodyReadAt, headersAt: null, sends: [] };
      requests.push(rec);
      serve(req, res, rec, scripts, ctx).catch((e) => { res.destroy(e as Error); });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    script: (model, s) => { scripts.set(model, s); },
    requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function sendError(res: http.ServerResponse, status: number, message: string, type: string, code: string | null): void {
  const body = JSON.stringify({ error: { message, type, param: null, code } });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

interface LoadContext { inflight: Map<string, number>; failureDraws: Map<string, () => number> }

async function serve(req: http.IncomingMessage, res: http.ServerResponse, rec: RecordedRequest, scripts: Map<string, Script>, ctx: LoadContext): Promise<void> {
  const model = rec.body && typeof rec.body.model === 'string' ? rec.body.model as string : null;
  const load = model ? scripts.get(model)?.load : undefined;
  if (!model || !load) return serveScript(req, res, rec, scripts);
  ctx.inflight.set(model, (ctx.inflight.get(model) ?? 0) + 1);
  try {
    const settle = load.settleMs ?? 3;
    await new Promise((r) => setTimeout(r, settle));
    const n = ctx.inflight.get(model)!;
    rec.inflight = n;
    let draw = ctx.failureDraws.get(model);
    if (!draw) { draw = streamFor(load.seed ?? 0, `failures/${model}`); ctx.failureDraws.set(model, draw); }
    if (draw() < (load.failureRate ?? 0)) {
      rec.failed = true;
      return sendError(res, 500, 'scripted failure (failure rate)', 'server_error', null);
    }
    const script = scripts.get(model)!;
    const chunks = loadChunks(load, n);
    chunks[0] = { ...chunks[0], delayMs: Math.max(0, chunks[0].delayMs - settle) };
    await serveScript(req, res, rec, new Map([[model, { ...script, load: undefined, chunks }]]));
  } finally {
    ctx.inflight.set(model, (ctx.inflight.get(model) ?? 1) - 1);
  }
}

async function serveScript(req: http.IncomingMessage, res: http.ServerResponse, rec: RecordedRequest, scripts: Map<string, Script>): Promise<void> {
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
    return sendError(res, 404, `no route ${req.method} ${req.url}`, 'invalid_request_error', 'route_not_found');
  }
  const body = rec.body;
  if (!body || typeof body.model !== 'string') return sendError(res, 400, 'model is required', 'invalid_request_error', null);
  const script = scripts.get(body.model);
  if (!script) return sendError(res, 404, `The model '${body.model}' does not exist`, 'invalid_request_error', 'model_not_found');
  if (script.status && script.status !== 200) {
    return sendError(res, script.status, script.errorMessage ?? `scripted failure ${script.status}`, 'server_error', null);
  }
  if (body.stream !== true) return sendError(res, 400, 'this scripted server only streams: set stream: true', 'invalid_request_error', null);

  const includeUsage = body.stream_options?.include_usage === true;
  const usageMode = script.usage ?? 'final';
  const promptTokens = script.promptTokens ?? 7;
  const head = { id: 'chatcmpl-scripted', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model, system_fingerprint: null };
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  rec.headersAt = nowEpoch();
  res.flushHeaders();

  const write = (kind: SendKind, tokens: number, index: number, payload: Record<string, unknown> | string) => {
    if (res.destroyed) return;
    const at = nowEpoch();
    rec.sends.push({ kind, at, tokens, index });
    const data = typeof payload === 'string' ? payload : JSON.stringify({ ...payload, x_sent_at: at });
    res.write(`data: ${data}\n\n`);
  };

  let completion = 0;
  let next = performance.now();
  const chunks = script.chunks ?? [];
  const lastFinish = chunks.map((c) => c.finishReason !== undefined).lastIndexOf(true);
  for (const [i, c] of chunks.entries()) {
    next += c.delayMs;
    await until(next);
    const text = (c.content ?? '') + (c.reasoning ?? '');
    const tokens = c.tokens ?? (text ? 1 : 0);
    completion += tokens;
    const delta: Record<string, unknown> = {};
    if (c.role) delta.role = 'assistant';
    if (c.content !== undefined || c.role) delta.content = c.content ?? '';
    if (c.reasoning !== undefined) delta.reasoning_content = c.reasoning;
    const chunk: Record<string, unknown> = { ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: c.finishReason ?? null }] };
    if (includeUsage && usageMode === 'continuous') chunk.usage = { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion };
    if (i === lastFinish && script.finishExtra) Object.assign(chunk, script.finishExtra);
    const kind: SendKind = text ? 'text' : c.finishReason ? 'finish' : c.role ? 'role' : 'empty';
    write(kind, tokens, i, chunk);
  }
  if (script.cutOff) {
    await new Promise((r) => setTimeout(r, 20)); // let the chunks leave first, then drop the connection
    res.destroy();
    return;
  }
  if (script.rawEvent !== undefined) write('error', 0, -1, script.rawEvent);
  if (script.midStreamError) {
    write('error', 0, -1, { error: { message: script.midStreamError, type: 'server_error', param: null, code: 'generation_failed' } });
    res.end();
    return;
  }
  if (includeUsage && usageMode !== 'none') {
    write('usage', 0, -1, { ...head, choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion } });
  }
  write('done', 0, -1, '[DONE]');
  res.end();
}
