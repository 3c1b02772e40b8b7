import { bootstrapMedianCI, bootstrapOptions, type BootstrapOptions } from './bootstrap';
import { median } from './quantile';
import type { RatioEstimate } from './ratio';

/**
 * Ratio of paired samples: a[i] and b[i] were measured in the same round (interleaved A B A B …),
 * so whatever drifts between rounds — clocks boosting or throttling, a warming cache, a busy
 * neighbour — scales both and cancels in the per-round ratio:
 *   r_i = a_i / b_i,   ratio = median(r_i),   interval = percentile bootstrap of the median of
 *   the r_i (Efron & Tibshirani 1993, ch. 13; bootstrap.ts), resampling whole rounds.
 * This is the paired design of a matched-pairs comparison (the ratio analogue of the paired
 * t-test's per-pair differences).
 *
 * A round counts only when a_i and b_i are both finite and b_i ≠ 0; a failed request drops its
 * whole round, never one side of it. a and b must have the same length (RangeError otherwise).
 * No usable round → all `null`; one usable round → `low`/`high` `null`.
 */
export function pairedRatio(a: readonly number[], b: readonly number[], opts: BootstrapOptions = {}): RatioEstimate {
  if (a.length !== b.length) {
    throw new RangeError(`pairedRatio needs one a and one b per round: got ${a.length} and ${b.length} values; pass samples of equal length, or use ratio() for unpaired samples`);
  }
  bootstrapOptions(opts); // validate early, even when there is nothing to resample
  const rs: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (Number.isFinite(a[i]) && Number.isFinite(b[i]) && b[i] !== 0) rs.push(a[i] / b[i]);
  }
  const ci = bootstrapMedianCI(rs, opts);
  return { ratio: median(rs), low: ci?.low ?? null, high: ci?.high ?? null, method: 'paired-bootstrap' };
}
