/** Figure factories: plain plotly specs from summary rows, comparison rows or request records. */
export { latencyBars, latencyBarsDefaults, type LatencyBarsOptions } from './latency-bars';
export { ttftBox, ttftBoxDefaults, type TtftBoxOptions } from './ttft-box';
export { tokensPerSecondBars, tokensPerSecondBarsDefaults, type TokensPerSecondBarsOptions } from './tokens-per-second-bars';
export { speedupBars, speedupBarsDefaults, type SpeedupBarsOptions } from './speedup-bars';
export { latencyThroughputScatter, latencyThroughputScatterDefaults, type LatencyThroughputScatterOptions } from './latency-throughput-scatter';
export { tokenTimeline, tokenTimelineDefaults, timelineRequest, type TokenTimelineOptions } from './token-timeline';
export { precisionSweepScatter, precisionSweepScatterDefaults, type PrecisionSweepPoint, type PrecisionSweepScatterOptions } from './precision-sweep-scatter';
export { throughputLatency, highestPercentile, type ThroughputLatencyOptions } from './throughput-latency';
export { goodputVsLoad } from './goodput-load';
export { levelDistribution } from './level-distribution';
