/**
 * slmlab's service puts an `slmlab` field on its finish chunk (and whole answers): the engine's
 * own timings. OpenAI clients pass unknown fields through, so it is read from the chunk as is
 * and turned into a camelCase record. Comparing it with the client's numbers shows where time
 * went: client TTFT − engine TTFT = HTTP + service work (serviceMs) + queue (queueMs) + the
 * decode steps whose bytes did not yet make visible text.
 */
import type { SlmlabTimings } from './timed-call';

type Json = Record<string, unknown>;

/** Times and rates the endpoint reports: finite and >= 0, else not reported (issue 21: negative latencies were taken as they came). */
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);

/** The record, or null when `value` is not slmlab's extension object. */
export function parseSlmlabExtension(value: unknown): SlmlabTimings | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const x = value as Json;
  const t = (x.timings && typeof x.timings === 'object' ? x.timings : {}) as Json;
  return {
    provider: typeof x.provider === 'string' ? x.provider : null,
    synthetic: typeof x.synthetic === 'boolean' ? x.synthetic : null,
    ttftMs: num(x.ttft_ms) ?? num(t.ttftMs),
    firstTextMs: num(t.firstTextMs),
    decodeTokensPerSecond: num(x.decode_tokens_per_second),
    queueMs: num(x.queue_ms) ?? num(t.queueMs),
    loadWaitMs: num(x.load_wait_ms),
    serviceMs: num(x.service_ms),
    totalMs: num(x.total_ms) ?? num(t.totalMs),
    tokenizeMs: num(t.tokenizeMs),
    prefillMs: num(t.prefillMs),
    decodeMs: Array.isArray(t.decodeMs) ? t.decodeMs.filter((d): d is number => typeof d === 'number' && Number.isFinite(d) && d >= 0) : [],
    ...(typeof x.template_note === 'string' ? { templateNote: x.template_note } : {}),
  };
}
