/**
 * OpenAI-compatible routes: GET /v1/models, GET /v1/models/:id, POST /v1/chat/completions
 * (whole answers and SSE streams). Responses carry an `slmlab` extension field (provider,
 * synthetic flag, TTFT, decode speed, engine timings) that OpenAI clients ignore, and whole
 * answers an `x-slmlab-timings` header, so a client can see where the time went and on which
 * execution provider the model really ran.
 */
import * as crypto from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { GenerationResult, GenerationTimings } from '../engine/types';
import { AbortedError } from '../errors';
import type { Handler, ServiceContext } from './context';
import { ServiceError, toErrorResponse } from './errors';
import { readJson, sendJson } from './http';
import { withLeasedModel } from './leased-generation';
import type { Lease } from './model-manager';
import { ChunkFormatter, SseWriter } from './sse';
import { parseChatRequest, type ChatCall } from './validation';

/** How long a queued streaming request waits before its 200 and role chunk are sent anyway. */
const COMMIT_AFTER_MS = 2000;

export const listModels: Handler = async (ctx, _req, res) => {
  const entries = await ctx.registry.list();
  const seen = new Set<string>();
  const data = entries.filter((e) => e.cached && !seen.has(e.id) && seen.add(e.id))
    .map((e) => ({ id: e.id, object: 'model', created: ctx.startedAt, owned_by: 'slmlab' }));
  sendJson(res, 200, { object: 'list', data });
};

export const getModel: Handler = async (ctx, _req, res, params) => {
  const entry = (await ctx.registry.list()).find((e) => e.cached && e.id === params.id);
  if (!entry) throw new ServiceError(404, 'model_not_found', `model '${params.id}' is not in the cache: see GET /v1/models, or run \`slmlab model download ${params.id}\``, 'model');
  sendJson(res, 200, { id: entry.id, object: 'model', created: ctx.startedAt, owned_by: 'slmlab' });
};

export const chatCompletions: Handler = async (ctx, req, res) => {
  const arrived = performance.now();
  const call = parseChatRequest(await readJson(req, ctx.maxBodyBytes));
  await withLeasedModel(ctx, res, call.model, { ep: call.ep, ttl: call.ttl }, (lease, signal) => call.stream
    ? streamChat(ctx, call, lease, res, signal, arrived)
    : completeChat(ctx, call, lease, res, signal, arrived));
};

function newId(): string {
  return 'chatcmpl-' + crypto.randomUUID().replace(/-/g, '').slice(0, 24);
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

function usageOf(r: GenerationResult) {
  return { prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens };
}

/** The compact timings of the x-slmlab-timings header (the per-token intervals are summed). */
function headerTimings(t: GenerationTimings, r: GenerationResult) {
  return {
    queueMs: r3(t.queueMs), tokenizeMs: r3(t.tokenizeMs), prefillMs: r3(t.prefillMs), ttftMs: r3(t.ttftMs),
    decodeMsTotal: r3(t.decodeMs.reduce((a, b) => a + b, 0)), decodeSteps: t.decodeMs.length, totalMs: r3(t.totalMs),
    decodeTokensPerSecond: r.decodeTokensPerSecond === null ? null : r3(r.decodeTokensPerSecond),
  };
}

/**
 * The `slmlab` extension field: where and how fast the answer was made. `service_ms` is the
 * service's own time before the engine got the request (reading and checking the body, finding
 * the model, including any wait for it to load).
 */
export function extension(r: GenerationResult, lease: Lease, serviceMs: number) {
  const t = r.timings;
  return {
    provider: r.provider,
    synthetic: r.synthetic,
    ttft_ms: r3(t.ttftMs),
    decode_tokens_per_second: r.decodeTokensPerSecond === null ? null : r3(r.decodeTokensPerSecond),
    queue_ms: r3(t.queueMs),
    load_wait_ms: r3(lease.loadWaitMs),
    service_ms: r3(serviceMs),
    total_ms: r3(t.totalMs),
    // set when the prompt was not built with the model's own chat template, as Foundry Local builds it
    ...(r.templateNote ? { template_note: r.templateNote } : {}),
    // set when the prompt was prefilled on an int8 copy of the weights (--prefill-weights int8): it changes the logits
    ...(lease.model.info.prefillWeights === 'int8' ? { prefill_weights: 'int8' as const } : {}),
    timings: {
      queueMs: r3(t.queueMs), tokenizeMs: r3(t.tokenizeMs), prefillMs: r3(t.prefillMs), ttftMs: r3(t.ttftMs),
      firstTextMs: t.firstTextMs === null ? null : r3(t.firstTextMs),
      decodeMs: t.decodeMs.map(r3), totalMs: r3(t.totalMs),
      // how many requests shared each decode step (continuous batching)
      decodeBatchSizes: t.decodeBatchSizes ?? t.decodeMs.map(() => 1),
      // how many prompts shared this request's prefill run, and in how many runs (chunks) it was prefilled
      prefillBatchSize: t.prefillBatchSize ?? 1, prefillRuns: t.prefillRuns ?? 1,
    },
  };
}

function finishReason(r: GenerationResult): 'stop' | 'length' {
  return r.finishReason === 'length' ? 'length' : 'stop';
}

function report(ctx: ServiceContext, lease: Lease, r: GenerationResult | null, e?: unknown): void {
  ctx.manager.reportDone(r
    ? { id: lease.id, provider: lease.provider, finishReason: r.finishReason, promptTokens: r.promptTokens, completionTokens: r.completionTokens }
    : { id: lease.id, provider: lease.provider, finishReason: e instanceof AbortedError ? 'abort' : 'error', promptTokens: 0, completionTokens: 0, error: e instanceof Error ? e.message : String(e) });
}

async function completeChat(ctx: ServiceContext, call: ChatCall, lease: Lease, res: ServerResponse, signal: AbortSignal, arrived: number): Promise<void> {
  let result: GenerationResult;
  const serviceMs = performance.now() - arrived;
  try {
    result = await lease.model.complete(call.request, { signal });
  } catch (e) {
    report(ctx, lease, null, e);
    throw e;
  }
  report(ctx, lease, result);
  if (result.finishReason === 'abort') {
    if (ctx.shutdown.aborted) throw new AbortedError();
    if (lease.revoked.aborted) throw lease.revoked.reason; // force-unloaded: 503
    return; // the client is gone: nobody to answer
  }
  const body = {
    id: newId(), object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: lease.id, system_fingerprint: null,
    choices: [{ index: 0, message: { role: 'assistant', content: result.text, refusal: null }, logprobs: null, finish_reason: finishReason(result) }],
    usage: usageOf(result),
    slmlab: extension(result, lease, serviceMs),
  };
  sendJson(res, 200, body, { 'x-slmlab-timings': JSON.stringify(headerTimings(result.timings, result)) });
}

async function streamChat(ctx: ServiceContext, call: ChatCall, lease: Lease, res: ServerResponse, signal: AbortSignal, arrived: number): Promise<void> {
  const sse = new SseWriter(res);
  const fmt = new ChunkFormatter(newId(), Math.floor(Date.now() / 1000), lease.id);
  // The 200 is sent with the first token, so that errors found before generation (context length,
  // a model that fails to start) still get their HTTP status. A request queued behind others gets
  // its 200 after COMMIT_AFTER_MS anyway, so that clients' header timeouts do not fire.
  const begin = () => {
    if (sse.started) return;
    clearTimeout(commit);
    sse.start();
    sse.data(fmt.role());
  };
  const commit = setTimeout(begin, COMMIT_AFTER_MS);
  const serviceMs = performance.now() - arrived;
  const stream = lease.model.generate(call.request, { signal });
  let result: GenerationResult;
  try {
    for await (const d of stream) {
      if (!sse.started) begin();
      sse.data(call.continuousUsage ? fmt.contentWithUsage(d.text, d.promptTokens, d.index + 1) : fmt.content(d.text));
    }
    result = await stream.result;
  } catch (e) {
    clearTimeout(commit);
    report(ctx, lease, null, e);
    if (!sse.started || (e instanceof AbortedError && ctx.shutdown.aborted)) throw e;
    const shown = lease.revoked.aborted ? lease.revoked.reason : e;
    if (!res.destroyed) sse.error(toErrorResponse(shown).body); // the openai client throws this as an APIError
    return;
  }
  clearTimeout(commit);
  report(ctx, lease, result);
  if (result.finishReason === 'abort') {
    if (ctx.shutdown.aborted && !sse.started) throw new AbortedError();
    if (lease.revoked.aborted) {
      // Force-unloaded mid-stream: an error event, then the end of the stream (503 before it began).
      if (!sse.started) throw lease.revoked.reason;
      if (!res.destroyed) sse.error(toErrorResponse(lease.revoked.reason).body);
      return;
    }
    sse.end();
    return;
  }
  begin();
  sse.data(fmt.finish(finishReason(result), extension(result, lease, serviceMs)));
  if (call.includeUsage) sse.data(fmt.usage(usageOf(result)));
  sse.done();
}
