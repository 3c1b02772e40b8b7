/**
 * TimedCall: the plain, JSON-serialisable record of one streamed chat completion. Every time is
 * in milliseconds from `performance.now()` taken just before the request is sent (t0).
 *
 * Definitions (vLLM `bench serve` conventions unless said otherwise; PR/issue numbers are vLLM's):
 *   ttftMs       first chunk whose delta carries non-empty text (content, or reasoning text)
 *                − t0. A role-only first chunk and empty-content chunks are not tokens
 *                (vLLM PR #3768; llmperf). null when no text came.
 *   e2eMs        last chunk carrying text − t0 (vLLM's E2EL): the finish chunk, the usage chunk
 *                and [DONE] do not move it. With no text at all: totalMs.
 *   totalMs      end of the stream (after [DONE] / close) − t0.
 *   tpotMs       (e2eMs − ttftMs) / (n − 1), n = completionTokens; null when n ≤ 1 (vLLM TPOT,
 *                first token excluded; GuideLLM's TPOT includes it, ours does not).
 *   itlMs        one entry per generated token after the first: a chunk carrying k tokens,
 *                arriving `gap` ms after the previous chunk that carried tokens, gives k entries
 *                of gap/k (vLLM PRs #42661/#28183, GenAI-Perf's "chunked ITL"); the first
 *                chunk's gap is TTFT and is not an ITL, and its extra k₁ − 1 tokens give k₁ − 1
 *                entries of 0 (vLLM PR #28183). So sum(itlMs) = e2e − ttft and, when the chunk
 *                counts add up to n, itlMs.length = n − 1 and mean(itlMs) = tpotMs.
 *   decodeTokensPerSecond  (n − 1) / (e2eMs − ttftMs) · 1000; null when n ≤ 1 or no time passed.
 *
 * Token counts:
 *   promptTokens/completionTokens, tokenSource:
 *     'usage'      the endpoint's usage (stream_options.include_usage; the last usage seen).
 *     'counted'    no usage: counted with the model's tokenizer (completion = encode(text),
 *                  prompt = encodeChat(messages)); re-tokenised text can differ slightly from
 *                  the tokens generated (merges across chunk borders, specials).
 *     'estimated'  neither: ceil(characters / 4), as the workshop notebook does. Marked so that
 *                  nobody mistakes it for a count.
 *   tokensPerChunk, chunkTokenSource (how many tokens each text chunk carried):
 *     'usage'      the endpoint reports cumulative usage on every chunk (vLLM/sglang
 *                  continuous_usage_stats): k = difference of completion_tokens.
 *     'tokenizer'  a tokenizer was given: k = len(encode(text so far)) − tokens already credited
 *                  (never negative; a chunk credited 0 folds its time into the next one).
 *     'assumed'    neither: 1 per chunk (vLLM's fallback) — ITL is then per chunk, inflated
 *                  when the server batches tokens (vLLM #27485).
 *   sum(tokensPerChunk) vs completionTokens says how far to trust per-chunk counts: re-tokenised
 *   text is not the generated tokens when bytes were lost (U+FFFD for invalid UTF-8 from a
 *   synthetic model, skipped specials), flexible-inference-bench #66.
 */

export type TokenSource = 'usage' | 'counted' | 'estimated';
export type ChunkTokenSource = 'usage' | 'tokenizer' | 'assumed';

/** What slmlab's service adds to its finish chunk (`slmlab` field), in camelCase. Engine-side times. */
export interface SlmlabTimings {
  provider: string | null;
  synthetic: boolean | null;
  /** Engine: tokenize + prefill, from the engine taking the request to the first token sampled. */
  ttftMs: number | null;
  /** Engine: request start -> first non-empty text delta emitted (the engine-side twin of the client's TTFT). */
  firstTextMs: number | null;
  decodeTokensPerSecond: number | null;
  /** Waiting behind other requests for the same model. */
  queueMs: number | null;
  /** Waiting for the model to load (first request after a load or TTL expiry). */
  loadWaitMs: number | null;
  /** Service before the engine: reading and checking the body, finding the model, load wait. */
  serviceMs: number | null;
  totalMs: number | null;
  tokenizeMs: number | null;
  prefillMs: number | null;
  /** Engine inter-token times, one per decode step. */
  decodeMs: number[];
  /** Set when the prompt was not built with the model's own chat template (its template_note). */
  templateNote?: string;
}

export interface TimedCall {
  /** ISO time of t0. */
  startedAt: string;
  /** t0 as Unix ms with sub-ms precision (performance.timeOrigin + t0), to line up with server logs. */
  startEpochMs: number;
  model: string;
  status: 'ok' | 'error';
  /** The endpoint's (or the connection's) error message; null when ok. */
  error: string | null;
  /** HTTP status of the error, when the endpoint gave one. */
  errorStatus: number | null;
  errorCode: string | null;

  /** Response headers received − t0 (some servers send them at once, slmlab with the first token). */
  responseMs: number | null;
  ttftMs: number | null;
  e2eMs: number | null;
  totalMs: number;
  itlMs: number[];
  tpotMs: number | null;
  decodeTokensPerSecond: number | null;

  promptTokens: number | null;
  completionTokens: number | null;
  tokenSource: TokenSource | null;

  /** Every SSE chunk received (role, content, finish, usage). */
  chunks: number;
  /** Chunks whose delta carried text. */
  textChunks: number;
  /** Arrival of each text chunk, ms after t0. */
  chunkTimesMs: number[];
  /** Tokens each text chunk carried (see chunkTokenSource); > 1 means the server batches. */
  tokensPerChunk: number[];
  chunkTokenSource: ChunkTokenSource;

  outputText: string;
  /** Reasoning text (delta.reasoning_content / delta.reasoning), when the model sent any. */
  reasoningText: string | null;
  /** sha256 (hex) of outputText's UTF-8 bytes. */
  outputSha256: string;
  finishReason: string | null;
  /** Engine-side timings when the endpoint is slmlab's service; null elsewhere. */
  slmlab: SlmlabTimings | null;
  /** Numbers the endpoint sent that cannot be true (e.g. usage of 1e15 tokens): flagged here, left out of the counts (issue 21). */
  anomalies?: string[];
}
