/**
 * Pure statistics for benchmark samples: no I/O, no hidden state, inputs never mutated.
 * Non-finite inputs are ignored; undefined statistics are `null` (see finite.ts).
 */
export { count, finiteValues, sortedFinite } from './finite';
export { mean } from './mean';
export { variance, stdev } from './stdev';
export { min, max } from './extent';
export { quantile, percentiles, median, quantileSorted, lerp, DEFAULT_PERCENTILES } from './quantile';
export { normalQuantile } from './normal';
export { bootstrapMedianCI, BOOTSTRAP_DEFAULTS, type BootstrapOptions, type Interval } from './bootstrap';
export { madOutliers, modifiedZScores, MAD_SCALE, MEAN_AD_SCALE, type OutlierOptions } from './outliers';
export { ratio, propagateQuotient, type RatioEstimate, type RatioMethod, type RatioOptions, type MeanSd } from './ratio';
export { pairedRatio } from './paired-ratio';
export { summarize, type Summary, type SummarizeOptions } from './summarize';
export { wilsonInterval, type Proportion } from './wilson';
