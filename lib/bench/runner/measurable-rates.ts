/**
 * Only measurable rates. A client times tokens by their arrival: when an endpoint delivers a
 * response's n tokens in fewer text chunks than n, several tokens arrive at one instant and
 * the client cannot tell how long each took — TPOT, ITL and the decode rate it would compute
 * are artefacts of the server's buffering (`slmlab bench --models tiny` once printed a median
 * decode of 127,966 tok/s that way). Such a request's rates are then:
 *
 * - the server's own, when it reports per-token timings (slmlab's service: the `slmlab`
 *   extension's decode step times), labelled 'server';
 * - otherwise null, labelled 'not measurable (coalesced)'.
 *
 * An endpoint that reports per-token timings gets them used whether or not this response
 * was coalesced (slmlab's service sends text as the engine process forwards it, one message
 * per event-loop turn, so whether two tokens share a chunk depends on the machine's load: one
 * source for every request of a cell keeps its rounds comparable). A request whose every token
 * came in its own chunk from any other endpoint keeps the client's figures ('client').
 */
import type { TimedCall } from '../../client';

export type RateSource = 'client' | 'server' | 'not measurable (coalesced)';
export const COALESCED: RateSource = 'not measurable (coalesced)';

export interface MeasurableRates {
  tpotMs: number | null;
  itlMs: number[];
  decodeTokensPerSecond: number | null;
  /** Whose figures these are; null when there was nothing to time (no ok answer, one token or fewer). */
  rateSource: RateSource | null;
}

type CallLike = Pick<TimedCall, 'status' | 'tpotMs' | 'itlMs' | 'decodeTokensPerSecond' | 'completionTokens' | 'textChunks' | 'slmlab'>;

export function measurableRates(call: CallLike): MeasurableRates {
  const n = call.completionTokens ?? 0;
  if (call.status !== 'ok' || n < 2) return { tpotMs: call.tpotMs, itlMs: call.itlMs, decodeTokensPerSecond: call.decodeTokensPerSecond, rateSource: null };
  const steps = call.slmlab?.decodeMs ?? [];
  if (steps.length === 0 && call.textChunks >= n) return { tpotMs: call.tpotMs, itlMs: call.itlMs, decodeTokensPerSecond: call.decodeTokensPerSecond, rateSource: 'client' };
  if (steps.length > 0) {
    const total = steps.reduce((a, b) => a + b, 0);
    return {
      tpotMs: total / steps.length, itlMs: [...steps],
      decodeTokensPerSecond: call.slmlab?.decodeTokensPerSecond ?? (total > 0 ? (steps.length / total) * 1000 : null),
      rateSource: 'server',
    };
  }
  return { tpotMs: null, itlMs: [], decodeTokensPerSecond: null, rateSource: COALESCED };
}
