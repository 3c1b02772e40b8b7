import { streamFor, type Rng } from '../../util/rng';
import { sortedFinite } from './finite';
import { lerp, quantileSorted } from './quantile';

/**
 * Percentile-bootstrap confidence interval of the median.
 *
 * Efron & Tibshirani, "An Introduction to the Bootstrap", Chapman & Hall 1993, ch. 13
 * (eq. 13.5): draw B resamples x*¹ … x*ᴮ of size n with replacement, compute θ̂*ᵇ = median(x*ᵇ),
 * and take the α/2 and 1 − α/2 percentiles of the B replications as the interval
 *   [θ̂*(α/2), θ̂*(1 − α/2)],   α = 1 − confidence.
 * The percentiles of the replications are read with the same type-7 rule as `quantile`.
 *
 * Deterministic: the resampling stream is `streamFor(seed, …)` (mulberry32), so one seed gives one
 * interval on every machine. Undefined for fewer than two finite values (a single value resamples
 * to itself and would claim a zero-width interval) → `null`.
 *
 * Cost: O(n) per resample — a resample of sorted data is a histogram of draws over positions, and
 * its median is read by walking the cumulative counts — so n = 10⁴, B = 2000 takes milliseconds.
 */

export interface Interval {
  low: number;
  high: number;
}

export interface BootstrapOptions {
  /** Coverage of the interval, strictly between 0 and 1. Default 0.95. */
  confidence?: number;
  /** Number of bootstrap resamples B (an integer ≥ 1; E&T suggest ≥ 1000 for percentiles). Default 2000. */
  resamples?: number;
  /** Seed of the resampling stream. Default 0. */
  seed?: number;
}

export const BOOTSTRAP_DEFAULTS = { confidence: 0.95, resamples: 2000, seed: 0 } as const;

/** Options with defaults filled in and checked; throws RangeError naming the fix. */
export function bootstrapOptions(opts: BootstrapOptions = {}): Required<BootstrapOptions> {
  const o = { ...BOOTSTRAP_DEFAULTS, ...stripUndefined(opts) };
  if (!(o.confidence > 0 && o.confidence < 1)) {
    throw new RangeError(`confidence ${o.confidence} is out of range: pass a level strictly between 0 and 1 (0.95 for a 95 % interval)`);
  }
  if (!Number.isInteger(o.resamples) || o.resamples < 1) {
    throw new RangeError(`resamples ${o.resamples} is not a positive integer: pass e.g. 2000`);
  }
  if (!Number.isFinite(o.seed)) throw new RangeError(`seed ${o.seed} is not a finite number: pass an integer such as 0`);
  return o;
}

export function bootstrapMedianCI(xs: readonly number[], opts: BootstrapOptions = {}): Interval | null {
  const o = bootstrapOptions(opts);
  const sorted = sortedFinite(xs);
  if (sorted.length < 2) return null;
  const rng = streamFor(o.seed, 'bootstrap/median');
  const counts = new Uint32Array(sorted.length);
  const reps = new Float64Array(o.resamples);
  for (let b = 0; b < o.resamples; b++) reps[b] = resampleMedian(sorted, rng, counts);
  return percentileInterval(reps, o.confidence);
}

/**
 * [θ̂*(α/2), θ̂*(1 − α/2)] of the replications (E&T eq. 13.5), α = 1 − confidence.
 * Sorts `reps` in place: callers pass their own scratch array.
 */
export function percentileInterval(reps: Float64Array, confidence: number): Interval {
  reps.sort();
  const alpha = 1 - confidence;
  return { low: quantileSorted(reps, alpha / 2), high: quantileSorted(reps, 1 - alpha / 2) };
}

/**
 * The median of one bootstrap resample of `sorted` (ascending, n ≥ 1): draw n positions uniformly
 * with replacement, count them in `counts` (length n, overwritten), and read the order statistics
 * at ⌊h⌋ and ⌊h⌋ + 1 of the resample, h = (n − 1)/2, interpolated as in `quantile`.
 */
export function resampleMedian(sorted: ArrayLike<number>, rng: Rng, counts: Uint32Array): number {
  const n = sorted.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[Math.floor(rng() * n)]++;
  const h = (n - 1) / 2;
  const lo = Math.floor(h); // 0-based rank of the lower middle order statistic
  const t = h - lo; // 0 (n odd) or ½ (n even)
  let seen = 0;
  let j = 0;
  while (seen + counts[j] <= lo) seen += counts[j++]; // sorted[j] holds rank lo
  const a = sorted[j];
  if (t === 0) return a;
  // rank lo + 1: still sorted[j] if this position was drawn more than once past rank lo
  if (seen + counts[j] > lo + 1) return a;
  j++;
  while (counts[j] === 0) j++;
  const b = sorted[j];
  return lerp(a, b, t); // same rounding as `median`
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
