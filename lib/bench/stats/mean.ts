import { count } from './finite';

/**
 * Arithmetic mean of the finite values: x̄ = (1/n) Σ x_i; `null` when there are none.
 *
 * The sum is compensated (Neumaier, "Rundungsfehleranalyse einiger Verfahren zur Summation
 * endlicher Summen", ZAMM 54, 1974 — the improved Kahan–Babuška algorithm):
 *   t = s + x;  c += |s| ≥ |x| ? (s − t) + x : (x − t) + s;  s = t;   result Σ = s + c,
 * so a long run of similar latencies does not lose low-order bits to the running total.
 */
export function mean(xs: readonly number[]): number | null {
  const n = count(xs);
  if (n === 0) return null;
  return neumaierSum(xs) / n;
}

/** Σ x_i over the finite values, with Neumaier's compensation (see `mean`). */
export function neumaierSum(xs: readonly number[]): number {
  let s = 0;
  let c = 0;
  for (const x of xs) {
    if (!Number.isFinite(x)) continue;
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
    s = t;
  }
  return s + c;
}
