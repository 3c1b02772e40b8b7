/**
 * OpenAI's Responses API for text, as Foundry Local's Core serves it
 * (sdk_v2/cpp/src/service/responses_handler.cc) and OpenAI documents it
 * (https://platform.openai.com/docs/api-reference/responses):
 *
 *   POST   /v1/responses                     a response; with stream: true, SSE events
 *                                            (response.created … response.output_text.delta …
 *                                            response.completed, then data: [DONE])
 *   GET    /v1/responses?limit&order&after   stored responses, newest first
 *   GET    /v1/responses/:id                 a stored response
 *   DELETE /v1/responses/:id                 {id, object: 'response.deleted', deleted: true}
 *   GET    /v1/responses/:id/input_items     the request's own input items (oldest first, as Foundry)
 *
 * Responses are stored (store defaults to true) in memory, the last N only (response-store.ts);
 * previous_response_id continues a stored conversation. A response cut by max_output_tokens is
 * `incomplete` (incomplete_details.reason 'max_output_tokens') and streams response.incomplete
 * instead of response.completed, as OpenAI's does.
 */
import type { ServerResponse } from 'node:http';
import type { ChatMessage, GenerateRequest, GenerationResult } from '../engine/types';
import { AbortedError } from '../errors';
import type { Handler, ServiceContext } from './context';
import { ServiceError, toErrorResponse } from './errors';
import { readJson, sendJson } from './http';
import { withLeasedModel } from './leased-generation';
import type { Lease } from './model-manager';
import { extension } from './routes-openai';
import { newId, parseResponsesRequest, type ResponsesCall } from './responses-request';
import { SseWriter } from './sse';

/** How long a queued streaming request waits before its 200 and first events are sent anyway. */
const COMMIT_AFTER_MS = 2000;

type Json = Record<string, unknown>;

const notStored = (id: string) => new ServiceError(404, 'response_not_found',
  `response '${id}' is not stored here: it was deleted, dropped (the service keeps the most recent ones only) or created with store: false`, 'id');

function outputText(text: string) {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

function messageItem(id: string, text: string, status: 'in_progress' | 'completed') {
  return { type: 'message', id, status, role: 'assistant', content: status === 'completed' ? [outputText(text)] : [] };
}

/** The response object (OpenAI's field set), for a result or for the in-progress state of a stream. */
function responseObject(id: string, createdAt: number, model: string, call: ResponsesCall, r: GenerationResult | null, messageId: string, extra: Json = {}) {
  const status = !r ? 'in_progress' : r.finishReason === 'length' ? 'incomplete' : 'completed';
  return {
    id, object: 'response', created_at: createdAt, status,
    completed_at: r ? Math.floor(Date.now() / 1000) : null,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: call.echo.instructions, max_output_tokens: call.echo.max_output_tokens, model,
    output: r ? [messageItem(messageId, r.text, 'completed')] : [],
    output_text: r ? r.text : '',
    parallel_tool_calls: call.echo.parallel_tool_calls, previous_response_id: call.echo.previous_response_id,
    reasoning: { effort: null, summary: null }, store: call.echo.store, temperature: call.echo.temperature,
    text: { format: { type: 'text' } }, tool_choice: 'auto', tools: [], top_p: call.echo.top_p, truncation: 'disabled',
    usage: r ? {
      input_tokens: r.promptTokens, input_tokens_details: { cached_tokens: 0 },
      output_tokens: r.completionTokens, output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: r.promptTokens + r.completionTokens,
    } : null,
    user: call.echo.user, metadata: call.echo.metadata,
    ...extra,
  };
}

function report(ctx: ServiceContext, lease: Lease, r: GenerationResult | null, e?: unknown): void {
  ctx.manager.reportDone(r
    ? { id: lease.id, provider: lease.provider, finishReason: r.finishReason, promptTokens: r.promptTokens, completionTokens: r.completionTokens }
    : { id: lease.id, provider: lease.provider, finishReason: e instanceof AbortedError ? 'abort' : 'error', promptTokens: 0, completionTokens: 0, error: e instanceof Error ? e.message : String(e) });
}

interface Turn {
  ctx: ServiceContext; call: ResponsesCall; lease: Lease; res: ServerResponse; signal: AbortSignal;
  request: GenerateRequest; conversation: ChatMessage[]; id: string; createdAt: number; serviceMs: number;
}

function remember(t: Turn, response: Json, text: string): void {
  if (!t.call.store) return;
  t.ctx.responses.put({
    id: t.id, model: t.lease.id, response, inputItems: t.call.inputItems,
    conversation: [...t.conversation, { role: 'assistant', content: text }],
  });
}

export const createResponse: Handler = async (ctx, req, res) => {
  const arrived = performance.now();
  const call = parseResponsesRequest(await readJson(req, ctx.maxBodyBytes));
  let history: ChatMessage[] = [];
  if (call.previousResponseId) {
    const prev = ctx.responses.get(call.previousResponseId);
    if (!prev) {
      throw new ServiceError(404, 'previous_response_not_found', `previous response '${call.previousResponseId}' is not stored here ` +
        '(deleted, dropped because the service keeps the most recent ones only, or created with store: false): send the whole conversation in input instead', 'previous_response_id');
    }
    history = prev.conversation;
  }
  const conversation = [...history, ...call.turns];
  // Instructions apply to this request only (OpenAI and Foundry alike): never carried into the stored conversation.
  const messages: ChatMessage[] = call.instructions ? [{ role: 'system', content: call.instructions }, ...conversation] : conversation;
  const request: GenerateRequest = { ...call.sampling, messages };

  await withLeasedModel(ctx, res, call.model, { ep: call.ep, ttl: call.ttl }, async (lease, signal) => {
    const t: Turn = {
      ctx, call, lease, res, signal, request, conversation,
      id: newId('resp'), createdAt: Math.floor(Date.now() / 1000), serviceMs: performance.now() - arrived,
    };
    if (call.stream) await streamResponse(t);
    else await completeResponse(t);
  });
};

async function completeResponse(t: Turn): Promise<void> {
  let result: GenerationResult;
  try {
    result = await t.lease.model.complete(t.request, { signal: t.signal });
  } catch (e) {
    report(t.ctx, t.lease, null, e);
    throw e;
  }
  report(t.ctx, t.lease, result);
  if (result.finishReason === 'abort') {
    if (t.ctx.shutdown.aborted) throw new AbortedError();
    if (t.lease.revoked.aborted) throw t.lease.revoked.reason;
    return; // the client is gone
  }
  const body = responseObject(t.id, t.createdAt, t.lease.id, t.call, result, newId('msg'), { slmlab: extension(result, t.lease, t.serviceMs) });
  remember(t, body, result.text);
  sendJson(t.res, 200, body);
}

async function streamResponse(t: Turn): Promise<void> {
  const sse = new SseWriter(t.res);
  const messageId = newId('msg');
  let seq = 0;
  const emit = (type: string, fields: Json) => sse.event(type, JSON.stringify({ type, sequence_number: seq++, ...fields }));
  const where = { item_id: messageId, output_index: 0, content_index: 0 };
  // The 200 leaves with the first token, so that errors found before generation keep their HTTP status.
  const begin = () => {
    if (sse.started) return;
    clearTimeout(commit);
    sse.start();
    const initial = responseObject(t.id, t.createdAt, t.lease.id, t.call, null, messageId);
    emit('response.created', { response: initial });
    emit('response.in_progress', { response: initial });
    emit('response.output_item.added', { output_index: 0, item: messageItem(messageId, '', 'in_progress') });
    emit('response.content_part.added', { ...where, part: { type: 'output_text', text: '', annotations: [] } });
  };
  const commit = setTimeout(begin, COMMIT_AFTER_MS);
  const stream = t.lease.model.generate(t.request, { signal: t.signal });
  let result: GenerationResult;
  try {
    for await (const d of stream) {
      begin();
      emit('response.output_text.delta', { ...where, delta: d.text, logprobs: [] });
    }
    result = await stream.result;
  } catch (e) {
    clearTimeout(commit);
    report(t.ctx, t.lease, null, e);
    if (!sse.started || (e instanceof AbortedError && t.ctx.shutdown.aborted)) throw e;
    failed(t, sse, emit, messageId, t.lease.revoked.aborted ? t.lease.revoked.reason : e);
    return;
  }
  clearTimeout(commit);
  report(t.ctx, t.lease, result);
  if (result.finishReason === 'abort') {
    if (t.ctx.shutdown.aborted && !sse.started) throw new AbortedError();
    if (t.lease.revoked.aborted) {
      if (!sse.started) throw t.lease.revoked.reason;
      failed(t, sse, emit, messageId, t.lease.revoked.reason);
      return;
    }
    sse.end();
    return;
  }
  begin();
  const part = outputText(result.text);
  emit('response.output_text.done', { ...where, text: result.text, logprobs: [] });
  emit('response.content_part.done', { ...where, part: { type: part.type, text: part.text, annotations: [] } });
  emit('response.output_item.done', { output_index: 0, item: messageItem(messageId, result.text, 'completed') });
  const final = responseObject(t.id, t.createdAt, t.lease.id, t.call, result, messageId, { slmlab: extension(result, t.lease, t.serviceMs) });
  remember(t, final, result.text);
  emit(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final });
  sse.done();
}

/** A failure after the stream began: response.failed with the error, then the end of the stream. */
function failed(t: Turn, sse: SseWriter, emit: (type: string, fields: Json) => void, messageId: string, e: unknown): void {
  if (t.res.destroyed) return;
  const { body } = toErrorResponse(e);
  const response = { ...responseObject(t.id, t.createdAt, t.lease.id, t.call, null, messageId), status: 'failed', error: { code: body.error.code ?? 'server_error', message: body.error.message } };
  emit('response.failed', { response });
  sse.done();
}

export const getResponse: Handler = (ctx, _req, res, params) => {
  const e = ctx.responses.get(params.id);
  if (!e) throw notStored(params.id);
  sendJson(res, 200, e.response);
};

export const deleteResponse: Handler = (ctx, _req, res, params) => {
  if (!ctx.responses.delete(params.id)) throw notStored(params.id);
  sendJson(res, 200, { id: params.id, object: 'response.deleted', deleted: true });
};

function order(query: URLSearchParams, fallback: 'asc' | 'desc'): 'asc' | 'desc' {
  const o = query.get('order');
  if (o === null || o === '') return fallback;
  if (o !== 'asc' && o !== 'desc') throw new ServiceError(400, 'invalid_request', `order must be asc or desc; got ${JSON.stringify(o)}`, 'order');
  return o;
}

function limit(query: URLSearchParams): number {
  const text = query.get('limit');
  if (text === null || text === '') return 20;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new ServiceError(400, 'invalid_request', `limit must be a whole number from 1 to 100; got ${JSON.stringify(text)}`, 'limit');
  return n;
}

function page(data: Json[], hasMore: boolean) {
  return { object: 'list', data, first_id: (data[0]?.id as string | undefined) ?? null, last_id: (data[data.length - 1]?.id as string | undefined) ?? null, has_more: hasMore };
}

export const listResponses: Handler = (ctx, _req, res, _params, query) => {
  const { data, hasMore } = ctx.responses.list(limit(query), order(query, 'desc'), query.get('after') || undefined);
  sendJson(res, 200, page(data.map((e) => e.response), hasMore));
};

export const inputItems: Handler = (ctx, _req, res, params, query) => {
  const e = ctx.responses.get(params.id);
  if (!e) throw notStored(params.id);
  let items = order(query, 'asc') === 'desc' ? [...e.inputItems].reverse() : e.inputItems;
  const after = query.get('after');
  if (after) items = items.slice(items.findIndex((i) => i.id === after) + 1);
  const n = limit(query);
  sendJson(res, 200, page(items.slice(0, n), items.length > n));
};
