import { sortedFinite } from './finite';
import { quantileSorted } from './quantile';

/**
 * Outliers by modified z-score.
 *
 * Iglewicz & Hoaglin, "How to Detect and Handle Outliers", ASQC Basic References in Quality
 * Control vol. 16, 1993 (also NIST/SEMATECH e-Handbook of Statistical Methods §1.3.5.17):
 *   x̃   = median(x)
 *   MAD = median(|x_i − x̃|)
 *   M_i = 0.6745 · (x_i − x̃) / MAD          (0.6745 = Φ⁻¹(0.75), so M_i ≈ a z-score for normal data)
 *   x_i is an outlier when |M_i| > 3.5       (their recommended cut-off)
 * hyperfine's src/outlier_detection.rs uses the same score without the 0.6745 factor and a
 * cut-off of 1.4826·10 (i.e. |M_i| > 10): it only warns, we flag for the reader to judge.
 *
 * MAD = 0 (more than half the values equal the median, e.g. timings quantised to whole ms):
 * the formula divides by zero. hyperfine replaces MAD by machine epsilon, which flags *every*
 * value that differs from the median ([10, 10, 10, 11, 11] would flag both 11s). We instead follow
 * IBM's definition of the modified z-score (Cognos Analytics 11.1 docs, "Modified z score") and
 * fall back to the mean absolute deviation about the median:
 *   MeanAD = (1/n) Σ |x_i − x̃|,   M_i = (x_i − x̃) / (1.253314 · MeanAD)
 * (1.253314 = √(π/2), since E|X − μ| = σ·√(2/π) for a normal X). So [10 ×7, 100] still flags the
 * 100 (M = 6.38) while [10, 10, 10, 11, 11] flags nothing (M = 1.99). When MeanAD is 0 as well,
 * every value equals the median: all scores are 0 and nothing is flagged.
 *
 * Non-finite inputs get a `null` score and are never flagged; indexes refer to the input array.
 */

export const MAD_SCALE = 0.6745;
export const MEAN_AD_SCALE = 1.253314;

export interface OutlierOptions {
  /** Flag |M_i| above this (Iglewicz & Hoaglin: 3.5). Must be > 0. */
  threshold?: number;
}

/** M_i for each input value, aligned with `xs` (`null` where x_i is not finite). */
export function modifiedZScores(xs: readonly number[]): (number | null)[] {
  const sorted = sortedFinite(xs);
  if (sorted.length === 0) return xs.map(() => null);
  const med = quantileSorted(sorted, 0.5);
  const dev = sorted.map((x) => Math.abs(x - med)).sort();
  const mad = quantileSorted(dev, 0.5);
  if (mad > 0) return xs.map((x) => (Number.isFinite(x) ? (MAD_SCALE * (x - med)) / mad : null));
  let sum = 0;
  for (const d of dev) sum += d;
  const meanAD = sum / dev.length; // MAD = 0: IBM's fallback
  if (meanAD === 0) return xs.map((x) => (Number.isFinite(x) ? 0 : null)); // all values equal
  return xs.map((x) => (Number.isFinite(x) ? (x - med) / (MEAN_AD_SCALE * meanAD) : null));
}

/** Indexes (into `xs`, ascending) of the values whose |M_i| exceeds `threshold` (default 3.5). */
export function madOutliers(xs: readonly number[], opts: OutlierOptions = {}): number[] {
  const threshold = opts.threshold ?? 3.5;
  if (!(threshold > 0)) throw new RangeError(`threshold ${threshold} must be a positive number: Iglewicz & Hoaglin recommend 3.5`);
  const out: number[] = [];
  modifiedZScores(xs).forEach((m, i) => { if (m !== null && Math.abs(m) > threshold) out.push(i); });
  return out;
}
