import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bootstrapMedianCI, count, madOutliers, max, mean, median, min, modifiedZScores, normalQuantile,
  pairedRatio, percentiles, propagateQuotient, quantile, ratio, stdev, summarize, variance,
} from '../lib/bench/stats';
import { mulberry32 } from '../lib/util/rng';

/** |actual − expected| ≤ tol (default: a few ulps of the expected value). */
function near(actual: number | null | undefined, expected: number, tol = 1e-12 * Math.max(1, Math.abs(expected))): void {
  assert.ok(typeof actual === 'number', `expected a number near ${expected}, got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected} ± ${tol}, got ${actual}`);
}

/** A reproducible sample: n draws of lo + (hi − lo)·U(0, 1). */
function uniformSample(n: number, seed: number, lo: number, hi: number): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

// The textbook sample: n = 8, Σx = 40.
const XS = [2, 4, 4, 4, 5, 5, 7, 9];

test('mean, sample stdev (n − 1), median, min and max of a hand-computed sample', () => {
  // mean = 40 / 8 = 5
  assert.equal(mean(XS), 5);
  // deviations from 5: −3 −1 −1 −1 0 0 2 4; squares 9 1 1 1 0 0 4 16, Σ = 32
  // sample variance = 32 / (8 − 1) = 32/7 = 4.571428…; stdev = √(32/7) = 2.1380899352993…
  near(variance(XS), 32 / 7);
  near(stdev(XS), 2.138089935299395);
  // sorted: 2 4 4 [4 5] 5 7 9 → median = (4 + 5) / 2 = 4.5
  assert.equal(median(XS), 4.5);
  assert.equal(min(XS), 2);
  assert.equal(max(XS), 9);
  assert.equal(count(XS), 8);
});

test("Welford's stdev survives a large offset where the naive formula collapses", () => {
  const shifted = XS.map((x) => x + 1e9); // same spread, values ~1e9: Σx² ~ 8e18 exceeds 2^53
  let s = 0;
  let s2 = 0;
  for (const x of shifted) { s += x; s2 += x * x; }
  const naive = Math.sqrt(Math.max(0, (s2 - (s * s) / 8) / 7)); // Σx² − (Σx)²/n cancels catastrophically
  assert.ok(Math.abs(naive - Math.sqrt(32 / 7)) > 1, `naive formula unexpectedly fine: ${naive}`);
  near(stdev(shifted), Math.sqrt(32 / 7), 1e-7);
  near(mean(shifted), 1e9 + 5, 1e-6);
});

test('quantiles interpolate linearly between order statistics (numpy default, H&F type 7)', () => {
  // [1, 2, 3, 4], q = 0.9: h = (4 − 1)·0.9 = 2.7 → x[2] + 0.7·(x[3] − x[2]) = 3 + 0.7·1 = 3.7 (numpy: 3.7)
  near(quantile([1, 2, 3, 4], 0.9), 3.7);
  // [15, 20, 35, 40, 50], p40: h = 4·0.4 = 1.6 → 20 + 0.6·(35 − 20) = 20 + 9 = 29 (numpy: 29.0)
  near(percentiles([15, 20, 35, 40, 50], [40])![0], 29);
  // 1..100, p99: h = 99·0.99 = 98.01 → x[98] + 0.01·(x[99] − x[98]) = 99 + 0.01·1 = 99.01 (numpy: 99.01)
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);
  near(percentiles(oneToHundred, [99])![0], 99.01);
  // XS sorted 2 4 4 4 5 5 7 9 (n − 1 = 7):
  //   p50: h = 3.5  → 4 + 0.5·(5 − 4) = 4.5
  //   p90: h = 6.3  → 7 + 0.3·(9 − 7) = 7.6
  //   p95: h = 6.65 → 7 + 0.65·2      = 8.3
  //   p99: h = 6.93 → 7 + 0.93·2      = 8.86
  const [p50, p90, p95, p99] = percentiles(XS)!;
  near(p50, 4.5);
  near(p90, 7.6);
  near(p95, 8.3);
  near(p99, 8.86);
  // The ends are the extremes; the input order does not matter.
  assert.equal(quantile([9, 1, 5], 0), 1);
  assert.equal(quantile([9, 1, 5], 1), 9);
  assert.equal(quantile([9, 1, 5], 0.5), 5);
});

test('one value: stdev is null, every percentile is the value', () => {
  assert.equal(stdev([7]), null);
  assert.equal(variance([7]), null);
  assert.equal(mean([7]), 7);
  assert.equal(median([7]), 7);
  assert.deepEqual(percentiles([7], [0, 50, 90, 99, 100]), [7, 7, 7, 7, 7]);
  assert.equal(bootstrapMedianCI([7]), null);
  assert.deepEqual(madOutliers([7]), []);
});

test('empty input: every statistic is null, never NaN', () => {
  for (const f of [mean, median, stdev, variance, min, max]) assert.equal(f([]), null, f.name);
  assert.equal(quantile([], 0.5), null);
  assert.equal(percentiles([]), null);
  assert.equal(bootstrapMedianCI([]), null);
  assert.deepEqual(madOutliers([]), []);
  assert.equal(count([]), 0);
  assert.deepEqual(summarize([]), {
    n: 0, dropped: 0, mean: null, median: null, stdev: null, min: null, max: null,
    p50: null, p90: null, p95: null, p99: null, ci95: null, outliers: [],
  });
});

test('NaN and ±Infinity are ignored, counted as dropped, and never flagged', () => {
  const xs = [NaN, 1, Infinity, 3, -Infinity];
  // finite values 1, 3: mean 2, stdev √(((1−2)² + (3−2)²)/1) = √2
  assert.equal(count(xs), 2);
  assert.equal(mean(xs), 2);
  near(stdev(xs), Math.SQRT2);
  assert.equal(median(xs), 2);
  assert.equal(min(xs), 1);
  assert.equal(max(xs), 3);
  assert.deepEqual(modifiedZScores(xs).map((m) => m === null), [true, false, true, false, true]);
  const s = summarize(xs);
  assert.equal(s.n, 2);
  assert.equal(s.dropped, 3);
  assert.equal(mean([NaN, NaN]), null);
  assert.equal(stdev([NaN, 4]), null);
});

test('inputs are never mutated (statistics sort copies)', () => {
  const xs = Object.freeze([5, 1, 4, 2, 3, 100]);
  summarize(xs);
  percentiles(xs);
  madOutliers(xs);
  ratio(xs, xs);
  ratio(xs, xs, { method: 'propagation' });
  pairedRatio(xs, xs);
  assert.deepEqual(xs, [5, 1, 4, 2, 3, 100]);
});

test('bootstrap CI of the median: a hand-computed two-point case and a constant sample', () => {
  // [1, 2]: a resample is {1,1}, {1,2}, {2,1} or {2,2} (each 1/4), so its median is 1 (p 1/4),
  // 1.5 (p 1/2) or 2 (p 1/4). Of 2000 replications ~500 are 1 and ~500 are 2, so the 2.5th
  // percentile is 1 and the 97.5th is 2.
  assert.deepEqual(bootstrapMedianCI([1, 2]), { low: 1, high: 2 });
  // A constant sample resamples to itself: zero-width interval.
  assert.deepEqual(bootstrapMedianCI([5, 5, 5, 5]), { low: 5, high: 5 });
});

test('bootstrap CI is deterministic for a seed, contains the median and narrows with more data', () => {
  const big = uniformSample(2000, 42, 100, 120);
  const small = big.slice(0, 20);
  const a = bootstrapMedianCI(small, { seed: 7 });
  const b = bootstrapMedianCI(small, { seed: 7 });
  assert.deepEqual(a, b);
  assert.ok(a !== null);
  for (const xs of [small, big]) {
    const ci = bootstrapMedianCI(xs)!;
    const m = median(xs)!;
    assert.ok(ci.low <= m && m <= ci.high, `median ${m} outside [${ci.low}, ${ci.high}]`);
  }
  const wSmall = bootstrapMedianCI(small)!;
  const wBig = bootstrapMedianCI(big)!;
  // width shrinks roughly like 1/√n: 100× the data → ~10× narrower; ask for at least 4×.
  assert.ok((wBig.high - wBig.low) * 4 < wSmall.high - wSmall.low,
    `n=2000 width ${wBig.high - wBig.low} vs n=20 width ${wSmall.high - wSmall.low}`);
  // A higher confidence never gives a narrower interval on the same resamples.
  const w99 = bootstrapMedianCI(small, { confidence: 0.99 })!;
  assert.ok(w99.low <= wSmall.low && w99.high >= wSmall.high);
});

test('MAD flags an obvious outlier and nothing in clean data', () => {
  // [10, 10.2, 9.9, 10.1, 50]: sorted 9.9 10 10.1 10.2 50 → median 10.1
  // |x − 10.1| = 0.1 0.1 0.2 0 39.9 → sorted 0 0.1 0.1 0.2 39.9 → MAD = 0.1
  // M = 0.6745·(x − 10.1)/0.1: −0.6745, 0.6745, −1.349, 0, 269.1255 → only index 4 exceeds 3.5
  const xs = [10, 10.2, 9.9, 10.1, 50];
  assert.deepEqual(madOutliers(xs), [4]);
  const m = modifiedZScores(xs);
  near(m[2], -1.349, 1e-9);
  near(m[4], 269.1255, 1e-9);
  assert.deepEqual(madOutliers([10, 10.2, 9.9, 10.1, 10.05]), []);
  // Uniform on [9, 11]: median ≈ 10, MAD ≈ 0.5, so |M| ≤ 0.6745·1/0.5 ≈ 1.35 everywhere.
  assert.deepEqual(madOutliers(uniformSample(500, 3, 9, 11)), []);
  // XS: median 4.5, |x − 4.5| = 2.5 0.5 0.5 0.5 0.5 0.5 2.5 4.5 → MAD = 0.5;
  // M(9) = 0.6745·4.5/0.5 = 6.0705 (flagged), M(2) = −3.3725 and M(7) = 3.3725 (not).
  assert.deepEqual(madOutliers(XS), [7]);
  // A stricter threshold flags 2 and 7 too.
  assert.deepEqual(madOutliers(XS, { threshold: 3 }), [0, 6, 7]);
});

test('MAD = 0 falls back to the mean absolute deviation (IBM), and equal values flag nothing', () => {
  // [10 ×7, 100]: median 10, MAD 0; MeanAD = 90/8 = 11.25; M(100) = 90/(1.253314·11.25) = 6.3831 → flagged
  const spike = [10, 10, 10, 10, 10, 10, 10, 100];
  assert.deepEqual(madOutliers(spike), [7]);
  near(modifiedZScores(spike)[7], 90 / (1.253314 * 11.25), 1e-12);
  // [10 ×7, 100, 100]: MeanAD = 180/9 = 20; M = 90/(1.253314·20) = 3.5905 → both flagged
  assert.deepEqual(madOutliers([10, 10, 10, 10, 10, 10, 10, 100, 100]), [7, 8]);
  // Timings quantised to whole ms, [10, 10, 10, 11, 11]: MAD 0, MeanAD = 2/5 = 0.4,
  // M(11) = 1/(1.253314·0.4) = 1.9947 → not an outlier (hyperfine's MAD := ε would flag both 11s).
  assert.deepEqual(madOutliers([10, 10, 10, 11, 11]), []);
  assert.deepEqual(madOutliers([3, 3, 3, 3]), []);
  assert.deepEqual(modifiedZScores([3, 3, 3]), [0, 0, 0]);
});

test('ratio of [2,2,2] over [1,1,1] is 2 with a zero-width interval, by both methods', () => {
  assert.deepEqual(ratio([2, 2, 2], [1, 1, 1]), { ratio: 2, low: 2, high: 2, method: 'bootstrap' });
  assert.deepEqual(ratio([2, 2, 2], [1, 1, 1], { method: 'propagation' }), { ratio: 2, low: 2, high: 2, method: 'propagation' });
});

test('propagated error of a quotient matches the hand computation (Taylor §3.8)', () => {
  // a = [9, 10, 11]: μ_a = 10, σ_a = √((1 + 0 + 1)/2) = 1;  b = [4, 5, 6]: μ_b = 5, σ_b = 1
  // r = 10/5 = 2;  σ_r = 2·√((1/10)² + (1/5)²) = 2·√(0.01 + 0.04) = 2·√0.05 = 0.4472135955
  // 95 %: z = Φ⁻¹(0.975) = 1.959963984540054;  z·σ_r = 0.8765225406
  // interval = [2 − 0.8765225406, 2 + 0.8765225406] = [1.1234774594, 2.8765225406]
  const q = propagateQuotient({ mean: 10, stdev: 1 }, { mean: 5, stdev: 1 })!;
  near(q.ratio, 2);
  near(q.sigma, 2 * Math.sqrt(0.05));
  near(q.sigma, 0.4472135955, 1e-10);
  const r = ratio([9, 10, 11], [4, 5, 6], { method: 'propagation' });
  near(r.ratio, 2);
  near(r.low, 1.1234774594, 1e-10);
  near(r.high, 2.8765225406, 1e-10);
  // hyperfine's test values: 3.0 s vs 2.0 s is 1.5× (no spread → σ_r = 0).
  assert.deepEqual(propagateQuotient({ mean: 3, stdev: 0 }, { mean: 2, stdev: 0 }), { ratio: 1.5, sigma: 0 });
  assert.equal(propagateQuotient({ mean: 3, stdev: 0 }, { mean: 0, stdev: 0 }), null);
});

test('ratio is null where a / b is undefined, and has no interval for n < 2', () => {
  assert.deepEqual(ratio([], [1, 2]), { ratio: null, low: null, high: null, method: 'bootstrap' });
  assert.deepEqual(ratio([1, 2], [0, 0, 0]), { ratio: null, low: null, high: null, method: 'bootstrap' });
  assert.deepEqual(ratio([1, 2], [0, 0], { method: 'propagation' }), { ratio: null, low: null, high: null, method: 'propagation' });
  // median 4 / median 2 = 2, but one value of b gives no spread to speak of.
  assert.deepEqual(ratio([3, 4, 5], [2]), { ratio: 2, low: null, high: null, method: 'bootstrap' });
  assert.deepEqual(ratio([3, 4, 5], [2], { method: 'propagation' }), { ratio: 2, low: null, high: null, method: 'propagation' });
});

test('bootstrap ratio: the ratio of medians, inside a seeded interval', () => {
  const cpu = uniformSample(40, 1, 90, 110); // ms per token on CPU, median ≈ 100
  const gpu = uniformSample(40, 2, 18, 22); // ms per token on GPU, median ≈ 20
  const r = ratio(cpu, gpu, { seed: 3 });
  near(r.ratio, median(cpu)! / median(gpu)!);
  assert.ok(r.low! < r.ratio! && r.ratio! < r.high!);
  assert.ok(r.low! > 4 && r.high! < 6, `speedup interval [${r.low}, ${r.high}] not around 5`);
  assert.deepEqual(ratio(cpu, gpu, { seed: 3 }), r);
});

test('pairedRatio cancels drift between rounds where the unpaired ratio cannot', () => {
  // Interleaved rounds A B A B …; the machine slows 10 % per round (thermal throttling):
  // b_i = 10 + i ms, and A is exactly twice as slow in every round, a_i = 2·b_i.
  const b = Array.from({ length: 10 }, (_, i) => 10 + i); // 10 11 … 19
  const a = b.map((x) => 2 * x); // 20 22 … 38
  // Per-round ratios are all exactly 2 → median 2, every resample 2 → zero-width interval.
  assert.deepEqual(pairedRatio(a, b), { ratio: 2, low: 2, high: 2, method: 'paired-bootstrap' });
  // Unpaired, the drift is noise: the interval is wide although the truth is exactly 2.
  const unpaired = ratio(a, b);
  assert.ok(unpaired.high! - unpaired.low! > 0.5, `unpaired interval [${unpaired.low}, ${unpaired.high}]`);
  const propagated = ratio(a, b, { method: 'propagation' });
  assert.ok(propagated.high! - propagated.low! > 2);

  // Round 9's A request fails (NaN). Unpaired, A loses its slowest value but B keeps it, so
  // the medians come from different points of the drift:
  //   median(a) = median(20 22 … 36) = 28 (5th of 9);  median(b) = (14 + 15)/2 = 14.5
  //   28 / 14.5 = 1.9310… — biased 3.4 % low.
  // Paired, round 9 is dropped whole and rounds 0–8 still give exactly 2.
  const aFailed = [...a.slice(0, 9), NaN];
  near(ratio(aFailed, b).ratio, 28 / 14.5);
  near(ratio(aFailed, b, { method: 'propagation' }).ratio, 28 / 14.5); // means: 252/9 = 28, 145/10 = 14.5
  assert.deepEqual(pairedRatio(aFailed, b), { ratio: 2, low: 2, high: 2, method: 'paired-bootstrap' });
});

test('pairedRatio takes the median of per-round ratios and rejects unequal lengths', () => {
  // rounds: 3/1 = 3, 4/2 = 2, 10/2 = 5, x/0 dropped → median of 2 3 5 = 3
  const r = pairedRatio([3, 4, 10, 7], [1, 2, 2, 0]);
  assert.equal(r.ratio, 3);
  assert.ok(r.low! >= 2 && r.high! <= 5);
  assert.deepEqual(pairedRatio([4], [2]), { ratio: 2, low: null, high: null, method: 'paired-bootstrap' });
  assert.deepEqual(pairedRatio([], []), { ratio: null, low: null, high: null, method: 'paired-bootstrap' });
  assert.throws(() => pairedRatio([1, 2, 3], [1, 2]), /one a and one b per round: got 3 and 2/);
});

test('summarize returns a plain record of every statistic', () => {
  const s = summarize(XS);
  const ci = bootstrapMedianCI(XS)!;
  assert.deepEqual(s, {
    n: 8, dropped: 0,
    mean: 5, median: 4.5, stdev: s.stdev, min: 2, max: 9,
    p50: 4.5, p90: s.p90, p95: s.p95, p99: s.p99,
    ci95: ci,
    outliers: [7], // 9: M = 6.07 (see the MAD test)
  });
  near(s.stdev, Math.sqrt(32 / 7));
  near(s.p90, 7.6);
  near(s.p95, 8.3);
  near(s.p99, 8.86);
  assert.ok(ci.low <= 4.5 && 4.5 <= ci.high);
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  // n = 1: like hyperfine, stdev is null after one run.
  assert.deepEqual(summarize([12.5]), {
    n: 1, dropped: 0, mean: 12.5, median: 12.5, stdev: null, min: 12.5, max: 12.5,
    p50: 12.5, p90: 12.5, p95: 12.5, p99: 12.5, ci95: null, outliers: [],
  });
});

test('normalQuantile gives the familiar z values (Wichura AS 241)', () => {
  near(normalQuantile(0.975), 1.959963984540054, 1e-15);
  near(normalQuantile(0.995), 2.5758293035489004, 1e-15);
  near(normalQuantile(0.8413447460685429), 1, 1e-14); // Φ(1)
  assert.equal(normalQuantile(0.5), 0);
  near(normalQuantile(0.025), -normalQuantile(0.975), 1e-15);
  near(normalQuantile(1e-300), -37.0470962993612, 1e-12); // far tail (r > 5 branch; scipy norm.ppf)
});

test('out-of-range arguments throw RangeError naming the fix', () => {
  assert.throws(() => quantile(XS, 1.5), { name: 'RangeError', message: /pass q between 0 and 1/ });
  assert.throws(() => quantile(XS, NaN), RangeError);
  assert.throws(() => percentiles(XS, [101]), /percentiles between 0 and 100/);
  assert.throws(() => bootstrapMedianCI(XS, { confidence: 1 }), /strictly between 0 and 1/);
  assert.throws(() => bootstrapMedianCI(XS, { resamples: 0 }), /positive integer/);
  assert.throws(() => madOutliers(XS, { threshold: 0 }), /recommend 3.5/);
  assert.throws(() => ratio(XS, XS, { method: 'nope' as 'bootstrap' }), /pass 'bootstrap' or 'propagation'/);
  assert.throws(() => normalQuantile(1), RangeError);
});

test('n = 10⁴: summarize and a bootstrap ratio run, with tight intervals', () => {
  const xs = uniformSample(10_000, 9, 100, 110);
  const s = summarize(xs);
  assert.equal(s.n, 10_000);
  assert.ok(s.ci95!.high - s.ci95!.low < 0.5);
  const r = ratio(xs, xs.map((x) => x / 2), { resamples: 500 });
  near(r.ratio, 2);
  assert.ok(r.low! > 1.97 && r.high! < 2.03);
});
