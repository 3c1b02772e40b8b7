/**
 * From what was seen on the wire (each SSE chunk and the time it arrived) to the metrics of a
 * TimedCall. Pure: no clock, no I/O, so the definitions in timed-call.ts can be read here and
 * tested with made-up arrivals. All the work that is not reading the stream (re-tokenising,
 * hashing) happens here, after the stream ended, so it cannot delay the arrival times.
 */
import * as crypto from 'node:crypto';
import { chunkTokenCounts, itlFromChunks, type CountingTokenizer, type TextChunk } from './chunk-tokens';
import { parseSlmlabExtension } from './slmlab-extension';
import type { TimedCall, TokenSource } from './timed-call';

type Json = Record<string, any>;

export interface ObservedChunk {
  /** Arrival, ms after t0. */
  t: number;
  /** The parsed chat.completion.chunk, as the openai client yielded it. */
  chunk: unknown;
}

export interface StreamObservation {
  /** Response headers received, ms after t0 (null: none came). */
  responseMs: number | null;
  /** Stream ended (or failed), ms after t0. */
  endMs: number;
  chunks: readonly ObservedChunk[];
}

export interface MeasureOptions {
  tokenizer?: CountingTokenizer | null;
  /** The request's messages, for counting or estimating prompt tokens when there is no usage. */
  messages?: readonly unknown[];
}

export type StreamMetrics = Omit<TimedCall, 'startedAt' | 'startEpochMs' | 'model' | 'status' | 'error' | 'errorStatus' | 'errorCode'>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const count = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);

/** More tokens than any request holds (issue 21: an endpoint's usage of 1e15 tokens was summed). */
export const MAX_PLAUSIBLE_TOKENS = 10_000_000;
/** A usage count an endpoint sent that cannot be true: a whole number in 0..MAX_PLAUSIBLE_TOKENS, else null. */
const plausible = (v: unknown): number | null => { const n = count(v); return n !== null && Number.isInteger(n) && n <= MAX_PLAUSIBLE_TOKENS ? n : null; };

export function measureStream(obs: StreamObservation, o: MeasureOptions = {}): StreamMetrics {
  const text: TextChunk[] = [];
  let output = '';
  let reasoning = '';
  let finishReason: string | null = null;
  let usage: Json | null = null;
  let usageBefore = 0;
  let slmlab = null;

  for (const { t, chunk } of obs.chunks) {
    const c = (chunk ?? {}) as Json;
    const u = c.usage && typeof c.usage === 'object' ? (c.usage as Json) : null;
    if (u) usage = u;
    if (c.slmlab !== undefined) slmlab = parseSlmlabExtension(c.slmlab) ?? slmlab;
    const choice = Array.isArray(c.choices) ? (c.choices[0] as Json | undefined) : undefined;
    if (choice?.finish_reason) finishReason = String(choice.finish_reason);
    const delta = (choice?.delta ?? {}) as Json;
    const content = str(delta.content);
    const thought = str(delta.reasoning_content) || str(delta.reasoning);
    output += content;
    reasoning += thought;
    if (content || thought) {
      text.push({ t, text: thought + content, usageCompletion: u ? plausible(u.completion_tokens) : null });
    } else if (text.length === 0 && u) {
      usageBefore = plausible(u.completion_tokens) ?? 0;
    }
  }

  // Token counts: usage > the model's tokenizer > characters / 4.
  let promptTokens: number | null = null;
  let completionTokens: number | null = null;
  let tokenSource: TokenSource | null = null;
  const usageCompletion = usage ? count(usage.completion_tokens) : null;
  const anomalies: string[] = [];
  const implausible = usage !== null && usageCompletion !== null && (plausible(usage.completion_tokens) === null || (usage.prompt_tokens != null && plausible(usage.prompt_tokens) === null));
  if (implausible) anomalies.push(`the endpoint's usage (prompt_tokens ${String(usage!.prompt_tokens)}, completion_tokens ${String(usage!.completion_tokens)}) is not plausible: ignored, tokens counted otherwise`);
  if (usage && usageCompletion !== null && !implausible) {
    completionTokens = usageCompletion;
    promptTokens = count(usage.prompt_tokens);
    tokenSource = 'usage';
  } else if (o.tokenizer) {
    completionTokens = (reasoning ? o.tokenizer.encode(reasoning).length : 0) + (output ? o.tokenizer.encode(output).length : 0);
    promptTokens = countPrompt(o.tokenizer, o.messages);
    tokenSource = 'counted';
  } else if (obs.chunks.length > 0) {
    completionTokens = Math.ceil((reasoning.length + output.length) / 4);
    promptTokens = estimatePrompt(o.messages);
    tokenSource = 'estimated';
  }

  const { counts, source } = chunkTokenCounts(text, { tokenizer: o.tokenizer, usageBefore });
  const times = text.map((c) => c.t);
  const ttftMs = times.length ? times[0] : null;
  const e2eMs = times.length ? times[times.length - 1] : obs.endMs;
  const n = completionTokens ?? 0;
  const decodeMs = ttftMs === null ? 0 : e2eMs - ttftMs;
  return {
    responseMs: obs.responseMs,
    ttftMs,
    e2eMs,
    totalMs: obs.endMs,
    itlMs: itlFromChunks(times, counts),
    tpotMs: ttftMs !== null && n > 1 ? decodeMs / (n - 1) : null,
    decodeTokensPerSecond: ttftMs !== null && n > 1 && decodeMs > 0 ? ((n - 1) / decodeMs) * 1000 : null,
    promptTokens,
    completionTokens,
    tokenSource,
    chunks: obs.chunks.length,
    textChunks: text.length,
    chunkTimesMs: times,
    tokensPerChunk: counts,
    chunkTokenSource: source,
    outputText: output,
    reasoningText: reasoning || null,
    outputSha256: crypto.createHash('sha256').update(output, 'utf8').digest('hex'),
    finishReason,
    slmlab,
    ...(anomalies.length ? { anomalies } : {}),
  };
}

/** Plain-text messages only; anything else (parts, tool calls) cannot be counted faithfully. */
function textMessages(messages: readonly unknown[] | undefined): { role: string; content: string }[] | null {
  if (!messages) return null;
  const out: { role: string; content: string }[] = [];
  for (const m of messages) {
    const r = m as Json;
    if (!r || typeof r.role !== 'string' || typeof r.content !== 'string') return null;
    out.push({ role: r.role, content: r.content });
  }
  return out;
}

function countPrompt(tokenizer: CountingTokenizer, messages: readonly unknown[] | undefined): number | null {
  const msgs = textMessages(messages);
  if (!msgs || !tokenizer.encodeChat) return null;
  try {
    return tokenizer.encodeChat(msgs).length;
  } catch {
    return null; // a role or shape the chat template refuses: leave it uncounted rather than guess
  }
}

function estimatePrompt(messages: readonly unknown[] | undefined): number | null {
  const msgs = textMessages(messages);
  return msgs ? Math.ceil(msgs.reduce((s, m) => s + m.content.length, 0) / 4) : null;
}
