/**
 * Fidelity of a candidate model to a base model, teacher-forced: both see the same token ids,
 * and at every position their next-token distributions are compared. Pure functions, as
 * llama.cpp's `llama-perplexity --kl-divergence` reports them (tools/perplexity/perplexity.cpp:
 * mean and 99th percentile KLD, "same top p"), plus top-5 overlap and perplexity.
 *
 *   p = softmax(base logits), q = softmax(candidate logits), over the vocabulary V
 *   KL(p || q)  = Σ_v p_v (log p_v − log q_v)            (Kullback & Leibler 1951; ≥ 0, 0 iff p = q)
 *   top-1 agree = [argmax p = argmax q]
 *   top-5 overlap = |top5(p) ∩ top5(q)| / 5
 *   perplexity  = exp( −(1/N) Σ_t log p(x_{t+1} | x_≤t) )  over the positions that have a next token
 *
 * log-softmax is computed stably: log p_v = z_v − m − log Σ exp(z_u − m), m = max z (float64).
 */
import { quantile } from '../bench/stats';

export interface PositionStats {
  kl: number;
  top1: boolean;
  top5: number;
  /** −log p(next token) under each model; null at the last position of a window. */
  nllBase: number | null;
  nllCandidate: number | null;
}

export interface FidelitySummary {
  positions: number;
  klMean: number;
  klP99: number;
  klMax: number;
  /** Share of positions where both models' most likely token is the same, 0..1. */
  top1Agreement: number;
  /** Mean share of the base's 5 most likely tokens among the candidate's 5, 0..1. */
  top5Overlap: number;
  perplexityBase: number;
  perplexityCandidate: number;
}

/** log-softmax of one row of logits, in float64. */
export function logSoftmax(logits: ArrayLike<number>, out = new Float64Array(logits.length)): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > m) m = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - m);
  const lse = m + Math.log(sum);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] - lse;
  return out;
}

/** Indices of the k largest values, largest first (ties: lower index first). */
export function topK(values: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (best.length === k && values[i] <= values[best[k - 1]]) continue;
    let at = best.length === k ? k - 1 : best.length;
    if (best.length < k) best.push(i);
    while (at > 0 && values[best[at - 1]] < values[i]) { best[at] = best[at - 1]; at--; }
    best[at] = i;
  }
  return best;
}

/** KL(p || q) from log-probabilities; terms with p_v = 0 contribute 0. */
export function klDivergence(logP: Float64Array, logQ: Float64Array): number {
  let kl = 0;
  for (let i = 0; i < logP.length; i++) {
    const p = Math.exp(logP[i]);
    if (p > 0) kl += p * (logP[i] - logQ[i]);
  }
  return Math.max(0, kl); // rounding can leave −1e-17 where p = q
}

/**
 * Compares one window: `base` and `candidate` are logits [S, V] (row-major) for the same
 * token ids `ids` (length S). Position t predicts ids[t+1].
 */
export function compareWindow(base: Float32Array, candidate: Float32Array, V: number, ids: readonly number[]): PositionStats[] {
  const S = ids.length;
  if (base.length !== S * V || candidate.length !== S * V) throw new RangeError(`logits must be [${S}, ${V}]: got ${base.length} and ${candidate.length} values`);
  const lp = new Float64Array(V);
  const lq = new Float64Array(V);
  const out: PositionStats[] = [];
  for (let t = 0; t < S; t++) {
    const rowP = base.subarray(t * V, (t + 1) * V);
    const rowQ = candidate.subarray(t * V, (t + 1) * V);
    logSoftmax(rowP, lp);
    logSoftmax(rowQ, lq);
    const p5 = topK(rowP, 5);
    const q5 = new Set(topK(rowQ, 5));
    const next = t + 1 < S ? ids[t + 1] : null;
    out.push({
      kl: klDivergence(lp, lq),
      top1: p5[0] === topK(rowQ, 1)[0],
      top5: p5.filter((i) => q5.has(i)).length / 5,
      nllBase: next === null ? null : -lp[next],
      nllCandidate: next === null ? null : -lq[next],
    });
  }
  return out;
}

export function summarizeFidelity(stats: readonly PositionStats[]): FidelitySummary {
  const n = stats.length;
  if (!n) throw new RangeError('no positions to summarise: give at least one text of two tokens or more');
  const kls = stats.map((s) => s.kl);
  const nll = (pick: (s: PositionStats) => number | null) => {
    const xs = stats.map(pick).filter((x): x is number => x !== null);
    return xs.length ? Math.exp(xs.reduce((a, x) => a + x, 0) / xs.length) : NaN;
  };
  return {
    positions: n,
    klMean: kls.reduce((a, x) => a + x, 0) / n,
    klP99: quantile(kls, 0.99) ?? NaN,
    klMax: Math.max(...kls),
    top1Agreement: stats.filter((s) => s.top1).length / n,
    top5Overlap: stats.reduce((a, s) => a + s.top5, 0) / n,
    perplexityBase: nll((s) => s.nllBase),
    perplexityCandidate: nll((s) => s.nllCandidate),
  };
}
