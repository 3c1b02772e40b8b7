import { sortedFinite } from './finite';

/**
 * Sample quantiles with LINEAR interpolation between order statistics: Hyndman & Fan,
 * "Sample quantiles in statistical packages", The American Statistician 50(4):361–365, 1996,
 * definition 7 — the default of numpy.percentile/quantile (method='linear'), R's quantile()
 * and pandas. For the ascending finite values x[0] ≤ … ≤ x[n−1] and 0 ≤ q ≤ 1:
 *
 *   h = (n − 1)·q
 *   Q(q) = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])      (x[n] read as x[n−1], so Q(1) = max)
 *
 * The interpolation is evaluated the way numpy's `_lerp` does (numpy/lib/_function_base_impl.py):
 * from the upper point when the weight is ≥ ½, b − (b − a)(1 − t), so results match numpy to the
 * last bit in the common cases and stay monotone in q.
 *
 * Empty (no finite values) → `null`. n = 1 → every quantile is that value.
 * A q outside [0, 1] (or a percentile outside [0, 100]) is a caller's mistake: RangeError.
 */

/** The percentiles benchmark reports show by default (vLLM reports p99; GenAI-Perf p50–p99). */
export const DEFAULT_PERCENTILES: readonly number[] = [50, 90, 95, 99];

/** Linear interpolation a + (b − a)·t, computed from the nearer end (numpy `_lerp`). */
export function lerp(a: number, b: number, t: number): number {
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/** Type-7 quantile of values already sorted ascending and finite (no checks; n ≥ 1). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return lerp(sorted[lo], sorted[hi], h - lo);
}

/** The q-quantile (0 ≤ q ≤ 1) of the finite values of `xs`; `null` when there are none. */
export function quantile(xs: readonly number[], q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile q = ${q} is out of range: pass q between 0 and 1 (0.9 for p90)`);
  const sorted = sortedFinite(xs);
  return sorted.length === 0 ? null : quantileSorted(sorted, q);
}

/**
 * Several percentiles (0–100, numpy.percentile's scale) from one sort, in the order asked:
 * `percentiles(xs, [50, 99])` → [p50, p99]. `null` when `xs` has no finite values.
 */
export function percentiles(xs: readonly number[], ps: readonly number[] = DEFAULT_PERCENTILES): number[] | null {
  for (const p of ps) {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is out of range: pass percentiles between 0 and 100 (99 for p99)`);
  }
  const sorted = sortedFinite(xs);
  if (sorted.length === 0) return null;
  return ps.map((p) => quantileSorted(sorted, p / 100));
}

/**
 * The median, Q(½) of definition 7: the middle value, or the mean of the two middle values
 * when n is even. Equal to `percentiles(xs, [50])[0]`. `null` when there are no finite values.
 */
export function median(xs: readonly number[]): number | null {
  const sorted = sortedFinite(xs);
  return sorted.length === 0 ? null : quantileSorted(sorted, 0.5);
}
