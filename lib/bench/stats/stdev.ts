/**
 * Sample variance and standard deviation (Bessel's correction, divisor n − 1), computed in one
 * pass with Welford's algorithm for numerical stability:
 *
 *   Welford, "Note on a method for calculating corrected sums of squares and products",
 *   Technometrics 4(3):419–420, 1962; Knuth, TAOCP vol. 2, 3rd ed., §4.2.2, eq. (15)–(16):
 *     M_1 = x_1,  S_1 = 0
 *     M_k = M_{k−1} + (x_k − M_{k−1}) / k
 *     S_k = S_{k−1} + (x_k − M_{k−1}) · (x_k − M_k)
 *     s²  = S_n / (n − 1)
 *
 * Unlike the textbook Σx² − (Σx)²/n it does not cancel catastrophically when the values are
 * large and close together (latencies in ns, timestamps).
 *
 * Undefined for fewer than two finite values → `null` (hyperfine: "stddev: None after one run").
 */
export function variance(xs: readonly number[]): number | null {
  let n = 0;
  let m = 0; // M_k: running mean
  let s = 0; // S_k: running sum of squared deviations from the mean
  for (const x of xs) {
    if (!Number.isFinite(x)) continue;
    n++;
    const d = x - m; // x_k − M_{k−1}
    m += d / n;
    s += d * (x - m); // (x_k − M_{k−1})(x_k − M_k)
  }
  return n < 2 ? null : s / (n - 1);
}

/** Sample standard deviation s = √(S_n / (n − 1)); `null` for n < 2. */
export function stdev(xs: readonly number[]): number | null {
  const v = variance(xs);
  return v === null ? null : Math.sqrt(v);
}
