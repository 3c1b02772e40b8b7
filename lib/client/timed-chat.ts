/**
 * One timed, streamed chat completion through the real `openai` client:
 *
 *   const call = await timedChat(client, { model: 'phi-4-mini', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 64 });
 *   call.ttftMs, call.tpotMs, call.itlMs, call.completionTokens, call.tokenSource, call.status
 *
 * The request always streams with stream_options.include_usage. Timing is performance.now()
 * around the call: t0 just before create() sends it, then one clock read per chunk as the
 * client yields it — nothing else happens inside the loop; the metrics are worked out after the
 * stream ended (stream-metrics.ts; definitions in timed-call.ts). The client is asked not to
 * retry (maxRetries: 0), so a timing never hides a retried attempt.
 *
 * Endpoint failures never throw: HTTP errors, errors sent mid-stream, refused connections,
 * malformed streams, aborts and streams cut off before a finish_reason all come back as
 * status 'error' with the message (and HTTP status when there is one), plus whatever arrived
 * before. Only misuse throws (no model, no messages, not an OpenAI client).
 */
import OpenAI from 'openai';
import type { CountingTokenizer } from './chunk-tokens';
import { measureStream, type ObservedChunk } from './stream-metrics';
import type { TimedCall } from './timed-call';
import { printable } from '../util/printable';

export type TimedChatRequest = Omit<OpenAI.Chat.ChatCompletionCreateParamsStreaming, 'stream'> & { stream?: true };

export interface TimedChatOptions {
  signal?: AbortSignal;
  /** The model's tokenizer: counts tokens when the endpoint sends no usage, and tokens per chunk. */
  tokenizer?: CountingTokenizer | null;
  /**
   * Also ask for usage on every chunk (stream_options.continuous_usage_stats: vLLM, sglang), the
   * exact way to know how many tokens each chunk carried. Off by default: not every server
   * accepts the field.
   */
  continuousUsage?: boolean;
  /**
   * Client-side limit for the whole call, ms: the wait for headers AND the whole stream (a
   * stream that never ends is cut at this time and recorded as a timeout). Default:
   * DEFAULT_TOTAL_TIMEOUT_MS for the whole call (and the client's own limit for the headers).
   */
  timeoutMs?: number;
  /**
   * Most bytes of one response body (default DEFAULT_MAX_RESPONSE_BYTES); a longer one is cut
   * and recorded as an error, so an endless stream cannot grow the client's memory.
   */
  maxResponseBytes?: number;
}

import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TOTAL_TIMEOUT_MS } from './bounds';

export { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TOTAL_TIMEOUT_MS };

/**
 * A fetch that counts the body's bytes as they arrive and fails the body past `limit`
 * (calling `onLimit` first, so the caller can say why the stream broke off).
 */
function cappedFetch(inner: typeof fetch, limit: number, onLimit: (bytes: number) => void): typeof fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    if (!res.body) return res;
    let seen = 0;
    const counted = res.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        seen += chunk.byteLength;
        if (seen > limit) { onLimit(seen); ctl.error(new RangeError(`response larger than ${limit} bytes`)); return; }
        ctl.enqueue(chunk);
      },
    }));
    return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

interface Failure { message: string; status: number | null; code: string | null }

export async function timedChat(client: OpenAI, request: TimedChatRequest, o: TimedChatOptions = {}): Promise<TimedCall> {
  if (!client || typeof client.chat?.completions?.create !== 'function') throw new TypeError('timedChat needs an OpenAI client: new OpenAI({ baseURL, apiKey })');
  if (!request || typeof request.model !== 'string' || request.model === '') throw new TypeError('timedChat: request.model must be the model id to call');
  if (!Array.isArray(request.messages) || request.messages.length === 0) throw new TypeError('timedChat: request.messages must be a non-empty array');
  if ((request as { stream?: unknown }).stream === false) throw new TypeError('timedChat always streams: leave request.stream unset');

  const body = {
    ...request,
    stream: true as const,
    stream_options: { ...request.stream_options, include_usage: true, ...(o.continuousUsage ? { continuous_usage_stats: true } : {}) },
  } as OpenAI.Chat.ChatCompletionCreateParamsStreaming;
  const chunks: ObservedChunk[] = [];
  let responseMs: number | null = null;
  let failure: Failure | null = null;
  let reading = false;

  // Bounds on the whole call (issue 21): a total time and a byte cap, each recorded as the failure.
  let limitHit: Failure | null = null;
  const maxBytes = o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const ac = new AbortController();
  const onOuterAbort = () => ac.abort(o.signal?.reason);
  if (o.signal?.aborted) ac.abort(o.signal.reason); else o.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const innerFetch = (client as unknown as { fetch?: typeof fetch }).fetch ?? globalThis.fetch;
  const bounded = client.withOptions({
    fetch: cappedFetch(innerFetch, maxBytes, (n) => {
      limitHit ??= { message: `the response passed ${maxBytes} bytes (${n} read) and was cut: the endpoint sent far more than an answer holds`, status: null, code: 'response_too_large' };
    }),
  });

  const startedAt = new Date();
  const t0 = performance.now();
  const totalMs = o.timeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  const timer = setTimeout(() => {
    limitHit ??= { message: `timed out after ${totalMs} ms: the response had not ended (--timeout covers the whole response)`, status: null, code: 'timeout' };
    ac.abort();
  }, totalMs);
  try {
    const stream = await bounded.chat.completions.create(body, { signal: ac.signal, maxRetries: 0, ...(o.timeoutMs !== undefined ? { timeout: o.timeoutMs } : {}) });
    responseMs = performance.now() - t0;
    reading = true;
    for await (const chunk of stream) chunks.push({ t: performance.now() - t0, chunk });
  } catch (e) {
    failure = limitHit ?? endpointFailure(e, reading);
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onOuterAbort);
  }
  failure ??= limitHit;
  const endMs = performance.now() - t0;

  const metrics = measureStream({ responseMs, endMs, chunks }, { tokenizer: o.tokenizer, messages: request.messages });
  // The openai client ends the iteration quietly when aborted mid-stream; a stream that just
  // stops (a dropped connection) ends quietly too. Neither is a complete answer.
  if (!failure && o.signal?.aborted) failure = { message: 'aborted by the caller\'s signal', status: null, code: 'aborted' };
  if (!failure && metrics.finishReason === null) {
    failure = { message: 'the stream ended before a finish_reason: the server closed the connection early', status: null, code: 'incomplete_stream' };
  }
  // An endpoint's words are untrusted: escaped before anyone prints or stores them (util/printable.ts).
  if (failure) failure = { ...failure, message: printable(failure.message), code: failure.code === null ? null : printable(failure.code) };
  return {
    startedAt: startedAt.toISOString(),
    startEpochMs: performance.timeOrigin + t0,
    model: request.model,
    status: failure ? 'error' : 'ok',
    error: failure?.message ?? null,
    errorStatus: failure?.status ?? null,
    errorCode: failure?.code ?? null,
    ...metrics,
  };
}

/**
 * An endpoint's failure as a record; anything that is not one (a bug) is thrown on. While the
 * stream is read, only the openai client's parser and the HTTP stack run, so what they throw
 * there is the endpoint's doing: a dropped connection (undici's TypeError 'terminated') or a
 * malformed event (JSON.parse's SyntaxError).
 */
function endpointFailure(e: unknown, reading: boolean): Failure {
  if (e instanceof OpenAI.APIUserAbortError) return { message: 'aborted by the caller\'s signal', status: null, code: 'aborted' };
  if (e instanceof OpenAI.APIError) {
    const body = (e.error ?? {}) as { message?: unknown; type?: unknown };
    const cause = e instanceof OpenAI.APIConnectionError && e.cause instanceof Error ? ` (${causeText(e.cause)})` : '';
    const code = e.code ?? (typeof body.type === 'string' ? body.type : null);
    return { message: e.message + cause, status: typeof e.status === 'number' ? e.status : null, code: code ?? (e instanceof OpenAI.APIConnectionError ? 'connection_error' : null) };
  }
  if (reading && e instanceof SyntaxError) return { message: `the endpoint sent a malformed event: ${e.message}`, status: null, code: 'malformed_stream' };
  if (reading && e instanceof Error && !(e instanceof OpenAI.OpenAIError)) {
    return { message: `the stream broke off: ${causeText(e)}`, status: null, code: 'stream_failed' };
  }
  throw e;
}

function causeText(e: Error): string {
  const inner = (e as { cause?: unknown }).cause;
  return inner instanceof Error ? `${e.message}: ${inner.message}` : e.message;
}
