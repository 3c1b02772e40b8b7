import { streamFor } from '../../util/rng';
import { bootstrapOptions, percentileInterval, resampleMedian, type BootstrapOptions } from './bootstrap';
import { sortedFinite } from './finite';
import { mean } from './mean';
import { normalQuantile } from './normal';
import { quantileSorted } from './quantile';
import { stdev } from './stdev';

/**
 * The ratio of two independent samples with an interval: speedups (CPU ms / GPU ms), int4 vs fp32,
 * small vs large model. `ratio(a, b)` estimates a / b: pass latencies as (slow, fast) to read a
 * speedup > 1, or throughputs as (fast, slow).
 *
 * Two methods:
 *
 * - 'bootstrap' (default): ratio = median(a) / median(b); interval = percentile bootstrap of
 *   median(a*)/median(b*), a and b resampled independently (Efron & Tibshirani 1993, ch. 13,
 *   eq. 13.5; see bootstrap.ts). Robust to skewed latency tails; seeded and deterministic.
 *
 * - 'propagation': hyperfine's relative speed (src/benchmark/relative_speed.rs). The point estimate
 *   is the quotient of MEANS, r = μ_a/μ_b (the formula is about means, so it is not mixed with
 *   medians), and its standard deviation by first-order propagation of uncertainty for a quotient
 *   of independent quantities (Taylor, "An Introduction to Error Analysis", 2nd ed. 1997, §3.8):
 *     σ_r = |r| · √((σ_a/μ_a)² + (σ_b/μ_b)²)
 *   computed as √((σ_a/μ_b)² + (r·σ_b/μ_b)²), the same value without dividing by μ_a (so μ_a = 0
 *   is fine). σ_a, σ_b are the sample stdevs, as in hyperfine: σ_r describes the run-to-run spread
 *   of the ratio, not the uncertainty of the mean ratio. The interval is the normal one,
 *     r ± z·σ_r,  z = Φ⁻¹(1 − α/2)  (1.959964 for 95 %; normal.ts).
 *
 * Samples measured in interleaved rounds (A B A B …) should use `pairedRatio` instead.
 *
 * Undefined cases: no finite value on either side, or a zero denominator → all fields `null`;
 * fewer than two finite values on either side → `low`/`high` `null` (no spread to speak of);
 * bootstrap only: a resample whose median(b*) is 0 makes the interval undefined → `null`.
 */

export type RatioMethod = 'bootstrap' | 'propagation' | 'paired-bootstrap';

export interface RatioEstimate {
  /** Point estimate of a / b (see the method for which one). */
  ratio: number | null;
  low: number | null;
  high: number | null;
  method: RatioMethod;
}

export interface RatioOptions extends BootstrapOptions {
  /** Default 'bootstrap' (ratio of medians). 'propagation' = hyperfine's quotient of means ± σ. */
  method?: 'bootstrap' | 'propagation';
}

export interface MeanSd {
  mean: number;
  stdev: number;
}

/**
 * Taylor §3.8 for q = a/b with independent a, b: σ_q = |q|·√((σ_a/a)² + (σ_b/b)²).
 * `null` when b.mean is 0 (the quotient is undefined).
 */
export function propagateQuotient(a: MeanSd, b: MeanSd): { ratio: number; sigma: number } | null {
  if (b.mean === 0) return null;
  const r = a.mean / b.mean;
  const sigma = Math.hypot(a.stdev / b.mean, (r * b.stdev) / b.mean);
  return { ratio: r, sigma };
}

export function ratio(a: readonly number[], b: readonly number[], opts: RatioOptions = {}): RatioEstimate {
  const method = opts.method ?? 'bootstrap';
  if (method === 'propagation') return propagationRatio(a, b, bootstrapOptions(opts).confidence);
  if (method === 'bootstrap') return bootstrapRatio(a, b, opts);
  throw new RangeError(`unknown ratio method '${String(method)}': pass 'bootstrap' or 'propagation' (or use pairedRatio for interleaved rounds)`);
}

function propagationRatio(a: readonly number[], b: readonly number[], confidence: number): RatioEstimate {
  const none: RatioEstimate = { ratio: null, low: null, high: null, method: 'propagation' };
  const ma = mean(a);
  const mb = mean(b);
  if (ma === null || mb === null || mb === 0) return none;
  const r = ma / mb;
  const sa = stdev(a);
  const sb = stdev(b);
  if (sa === null || sb === null) return { ...none, ratio: r };
  const { sigma } = propagateQuotient({ mean: ma, stdev: sa }, { mean: mb, stdev: sb })!;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return { ratio: r, low: r - z * sigma, high: r + z * sigma, method: 'propagation' };
}

function bootstrapRatio(a: readonly number[], b: readonly number[], opts: BootstrapOptions): RatioEstimate {
  const o = bootstrapOptions(opts);
  const none: RatioEstimate = { ratio: null, low: null, high: null, method: 'bootstrap' };
  const sa = sortedFinite(a);
  const sb = sortedFinite(b);
  if (sa.length === 0 || sb.length === 0) return none;
  const mb = quantileSorted(sb, 0.5);
  if (mb === 0) return none;
  const r = quantileSorted(sa, 0.5) / mb;
  if (sa.length < 2 || sb.length < 2) return { ...none, ratio: r };
  const rng = streamFor(o.seed, 'bootstrap/ratio');
  const ca = new Uint32Array(sa.length);
  const cb = new Uint32Array(sb.length);
  const reps = new Float64Array(o.resamples);
  for (let i = 0; i < o.resamples; i++) {
    const num = resampleMedian(sa, rng, ca);
    const den = resampleMedian(sb, rng, cb);
    if (den === 0) return { ...none, ratio: r };
    reps[i] = num / den;
  }
  return { ratio: r, ...percentileInterval(reps, o.confidence), method: 'bootstrap' };
}
