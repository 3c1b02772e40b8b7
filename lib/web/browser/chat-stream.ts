/**
 * A streamed chat completion from the page's own service (POST /v1/chat/completions with
 * stream: true), read as server-sent events, timed on the client: TTFT is send -> first
 * content delta, total is send -> [DONE]. The last chunk's `slmlab` extension field (provider,
 * synthetic, engine timings) comes back as `engine`.
 */
import type { ChatMessage } from '../../engine/chat-template';

export interface StreamedAnswer {
  text: string;
  /** Content deltas received. */
  deltas: number;
  ttftMs: number | null;
  totalMs: number;
  finishReason: string | null;
  /** The service's `slmlab` extension; load_wait_ms: time this request waited for the model to load (its first use). */
  engine: { synthetic?: boolean; provider?: string; ttft_ms?: number; decode_tokens_per_second?: number | null; load_wait_ms?: number } | null;
  completionTokens: number | null;
}

interface Chunk {
  choices?: Array<{ delta?: { content?: string }; finish_reason?: string | null }>;
  usage?: { completion_tokens?: number } | null;
  slmlab?: StreamedAnswer['engine'];
  error?: { message?: string };
}

export async function streamChat(
  body: { model: string; messages: ChatMessage[]; max_tokens: number },
  onDelta: (text: string) => void,
  signal?: AbortSignal,
): Promise<StreamedAnswer> {
  const started = performance.now();
  const res = await fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true, temperature: 0, stream_options: { include_usage: true } }),
    signal,
  });
  if (!res.ok || !res.body) {
    const err = await res.json().catch(() => null) as Chunk | null;
    throw new Error(err?.error?.message ?? `the service answered ${res.status}`);
  }
  const out: StreamedAnswer = { text: '', deltas: 0, ttftMs: null, totalMs: 0, finishReason: null, engine: null, completionTokens: null };
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') continue;
        const chunk = JSON.parse(data) as Chunk;
        if (chunk.error) throw new Error(chunk.error.message ?? 'the stream ended with an error');
        const choice = chunk.choices?.[0];
        const piece = choice?.delta?.content;
        if (piece) {
          out.ttftMs ??= performance.now() - started;
          out.text += piece;
          out.deltas++;
          onDelta(piece);
        }
        if (choice?.finish_reason) out.finishReason = choice.finish_reason;
        if (chunk.slmlab) out.engine = chunk.slmlab;
        if (chunk.usage?.completion_tokens !== undefined) out.completionTokens = chunk.usage.completion_tokens;
      }
    }
  }
  out.totalMs = performance.now() - started;
  return out;
}

/** The service's models, as /web/models lists them. */
export interface ServedModel { id: string; alias: string | null; synthetic: boolean; cached: boolean; size_bytes: number | null; provider: string }

export async function servedModels(): Promise<ServedModel[]> {
  const res = await fetch('/web/models');
  if (!res.ok) throw new Error(`GET /web/models answered ${res.status}`);
  return ((await res.json()) as { data: ServedModel[] }).data;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

export function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
}

export const syntheticNoteFor = (id: string) =>
  /^tiny\b/.test(id)
    ? `${id} is slmlab's synthetic test model: a made-up architecture with seeded random weights. Neither its speed nor its text means anything.`
    : `${id} is a synthetic twin built by slmlab: the real model's architecture and size with seeded random weights. Its speed is real; its text is gibberish.`;
