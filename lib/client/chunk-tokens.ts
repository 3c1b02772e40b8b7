/**
 * How many tokens each streamed text chunk carried, best source first:
 *
 *   usage      every text chunk carries cumulative usage (vLLM/sglang `continuous_usage_stats`):
 *              k_i = completion_tokens_i − completion_tokens_{i−1}.
 *   tokenizer  k_i = len(encode(W + text_i)) − len(encode(W)), W = the last WINDOW characters
 *              before chunk i. Equal to differencing the tokenisation of the whole text so far
 *              unless a merge spans more than WINDOW characters, but linear in the output's
 *              length instead of quadratic. Done after the stream, never while timing it.
 *   assumed    1 per chunk (vLLM's fallback when it knows nothing better).
 *
 * A k below 0 (a chunk that merged into the previous token) is credited 0: its time then
 * counts towards the next chunk that carries tokens (see itlFromChunks).
 */
import type { ChunkTokenSource } from './timed-call';

/** The slice of a tokenizer the client needs; slmlab's TextTokenizer fits. */
export interface CountingTokenizer {
  encode(text: string): number[];
  /** Prompt tokens of a conversation, chat template included (used when the endpoint sends no usage). */
  encodeChat?(messages: { role: string; content: string }[]): number[];
}

export interface TextChunk {
  /** Arrival, ms after t0. */
  t: number;
  text: string;
  /** Cumulative completion_tokens reported on this chunk, or null. */
  usageCompletion: number | null;
}

const WINDOW = 256;

export function chunkTokenCounts(chunks: readonly TextChunk[], { tokenizer, usageBefore = 0 }: { tokenizer?: CountingTokenizer | null; usageBefore?: number } = {}): { counts: number[]; source: ChunkTokenSource } {
  if (chunks.length > 0 && chunks.every((c) => c.usageCompletion !== null)) {
    let prev = usageBefore;
    const counts = chunks.map((c) => {
      const k = Math.max(0, c.usageCompletion! - prev);
      prev = Math.max(prev, c.usageCompletion!);
      return k;
    });
    return { counts, source: 'usage' };
  }
  if (tokenizer) {
    let before = '';
    const counts = chunks.map((c) => {
      const w = windowOf(before);
      const k = tokenizer.encode(w + c.text).length - (w ? tokenizer.encode(w).length : 0);
      before += c.text;
      return Math.max(0, k);
    });
    return { counts, source: 'tokenizer' };
  }
  return { counts: chunks.map(() => 1), source: 'assumed' };
}

/** The last WINDOW characters, not starting inside a surrogate pair. */
function windowOf(text: string): string {
  if (text.length <= WINDOW) return text;
  let start = text.length - WINDOW;
  const code = text.charCodeAt(start);
  if (code >= 0xdc00 && code <= 0xdfff) start++;
  return text.slice(start);
}

/**
 * Per-token inter-token latencies from text-chunk arrivals and their token counts: the first
 * chunk that carries tokens gives k − 1 zeros (its gap is the TTFT); each later one gives k
 * entries of gap/k, the gap measured from the previous chunk that carried tokens.
 */
export function itlFromChunks(times: readonly number[], counts: readonly number[]): number[] {
  const itl: number[] = [];
  let last: number | null = null;
  for (let i = 0; i < times.length; i++) {
    const k = counts[i];
    if (!(k > 0)) continue;
    if (last === null) {
      for (let j = 1; j < k; j++) itl.push(0);
    } else {
      const each = (times[i] - last) / k;
      for (let j = 0; j < k; j++) itl.push(each);
    }
    last = times[i];
  }
  return itl;
}
