/**
 * The Wilson score interval for a binomial proportion (Wilson, "Probable inference, the law
 * of succession, and statistical inference", JASA 22(158), 1927, pp. 209-212):
 *
 *   centre = (p̂ + z²/2n) / (1 + z²/n),  half = z/(1 + z²/n) · sqrt(p̂(1-p̂)/n + z²/4n²)
 *
 * with p̂ = successes/n and z the normal quantile for the confidence (1.96 for 95 %). Unlike
 * the normal approximation it stays inside [0, 1] and is sensible at p̂ = 0 or 1 and small n,
 * which is where an SLO attainment of "20 of 20" sits. null when n = 0.
 */
import { normalQuantile } from './normal';

export interface Proportion { p: number; low: number; high: number; n: number }

export function wilsonInterval(successes: number, n: number, confidence = 0.95): Proportion | null {
  if (!(n > 0)) return null;
  if (successes < 0 || successes > n) throw new RangeError(`wilsonInterval: ${successes} successes out of ${n} trials`);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = successes / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return { p, low: Math.max(0, centre - half), high: Math.min(1, centre + half), n };
}
