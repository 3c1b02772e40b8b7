import { bootstrapMedianCI, type BootstrapOptions, type Interval } from './bootstrap';
import { count } from './finite';
import { max, min } from './extent';
import { mean } from './mean';
import { madOutliers } from './outliers';
import { median, percentiles } from './quantile';
import { stdev } from './stdev';

/**
 * One sample's summary as a plain, JSON-serialisable record (the shape of hyperfine's
 * BenchmarkResult statistics, plus percentiles, a median CI and outliers). Every field follows
 * the definitions in this folder; a field that is undefined for the data is `null`:
 *   n = 0  → everything null, outliers [];
 *   n = 1  → stdev null, ci95 null, mean = median = min = max = every percentile = the value.
 * `n` counts the finite values used; `dropped` how many inputs were NaN/±Infinity and ignored.
 * `outliers` are indexes into the input array (madOutliers, threshold 3.5 unless given).
 */
export interface Summary {
  n: number;
  dropped: number;
  mean: number | null;
  median: number | null;
  stdev: number | null;
  min: number | null;
  max: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  /** Percentile-bootstrap 95 % interval of the median; null for n < 2. */
  ci95: Interval | null;
  outliers: number[];
}

export interface SummarizeOptions {
  /** Bootstrap of ci95 (confidence is fixed at 0.95). */
  resamples?: BootstrapOptions['resamples'];
  seed?: BootstrapOptions['seed'];
  /** Modified z-score cut-off for `outliers`. Default 3.5. */
  threshold?: number;
}

export function summarize(xs: readonly number[], opts: SummarizeOptions = {}): Summary {
  const n = count(xs);
  const [p50, p90, p95, p99] = percentiles(xs, [50, 90, 95, 99]) ?? [null, null, null, null];
  return {
    n,
    dropped: xs.length - n,
    mean: mean(xs),
    median: median(xs),
    stdev: stdev(xs),
    min: min(xs),
    max: max(xs),
    p50, p90, p95, p99,
    ci95: bootstrapMedianCI(xs, { confidence: 0.95, resamples: opts.resamples, seed: opts.seed }),
    outliers: madOutliers(xs, { threshold: opts.threshold }),
  };
}
