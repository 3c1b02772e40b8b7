/**
 * Plain records that analysis/ hands to report/ (and notebooks): one summary row per group of
 * measured requests, and comparison rows (speedups). Produced from the results JSONL alone.
 */
import type { Summary } from '../bench/stats/summarize';
import type { LogitsMode } from '../bench/grid/axes';

/** The settings that define a group; a field is null when the group spans several values. */
export interface GroupKey {
  endpoint: string;
  model: string;
  modelId: string | null;
  provider: string;
  /** Inference engine (issue 23): 'onnxruntime' or 'llama.cpp'. */
  engine: string;
  precision: string;
  threads: number;
  maxTokens: number;
  temperature: number;
  /** Rounds mode: requests per round; load mode: closed-loop clients. */
  concurrency: number;
  /** Open-loop load level, requests/s; null for a closed loop. */
  rate: number | null;
  /** Synthetic prompt length; null for prompt-set prompts. */
  inputTokens: number | null;
  mode: 'rounds' | 'load';
  /** 'all' (the model's own graph), 'last' (last-position logits) or 'last-int8prefill': the grid's logits axis. */
  logits: LogitsMode;
  /** null when the row aggregates every prompt of the group. */
  promptId: string | null;
}

export interface SummaryRow extends GroupKey {
  /** "software adapter — correctness only, not GPU speed" when a request of the group ran webgpu on a software adapter; else null. */
  adapterNote: string | null;
  /** Synthetic model (seeded random weights: real speed, meaningless text). */
  synthetic: boolean;
  /** Measured requests by outcome (warmups excluded). */
  ok: number;
  errors: number;
  skipped: number;
  /** Why the group was skipped (unusable provider ...), when every request was. */
  skipReason: string | null;
  ttftMs: Summary;
  e2eMs: Summary;
  tpotMs: Summary;
  decodeTokensPerSecond: Summary;
  completionTokens: Summary;
  promptTokens: Summary;
  /** At temperature 0: every round of every cell gave the same output (null: not checked). */
  deterministic: boolean | null;
  /** Largest peak RSS of the CALLER (the runner's own process: CLI or notebook kernel) among the group's cells, bytes. */
  peakRssBytes: number | null;
  /** Whose memory, from the cells' `memory` (store/cell-record.ts): largest among the group's cells, bytes; null where not measured. */
  modelPeakRssBytes?: number | null;
  modelPssBytes?: number | null;
  modelUssBytes?: number | null;
  servicePeakRssBytes?: number | null;
  modelFileBytes?: number | null;
  /** Why the model process was not measured (an external endpoint: "not measured here: ..."). */
  memoryNote?: string | null;
  /** The machine's load over the group's cells (store/cell-record.ts `load`): the largest 1-minute load before or after a cell. */
  load1?: number | null;
  /** Largest /proc/pressure/cpu "some avg10" before or after a cell, percent. */
  cpuPressure?: number | null;
  /** Largest steal share of a cell's interval, percent. */
  stealPercent?: number | null;
  /** Whose TPOT and decode rate ('client', 'server', 'not measurable (coalesced)'; '+'-joined when mixed); null when unknown. */
  rateSource?: string | null;
  /** A cell of the group ran with the 1-minute load above half the cores. */
  underLoad?: boolean | null;
}

/** A ratio between two groups that differ in one setting (provider, precision, model). */
export interface ComparisonRow {
  kind: 'provider' | 'precision' | 'model' | 'engine';
  /** What was compared: e.g. 'cuda vs cpu', 'int4 vs fp32', 'qwen2.5-0.5b-twin vs qwen2.5-1.5b-twin'. */
  label: string;
  /** The shared settings. */
  context: string;
  metric: 'decodeTokensPerSecond' | 'ttftMs' | 'e2eMs';
  /** candidate / baseline for speeds, baseline / candidate for latencies: > 1 means the candidate is faster. */
  speedup: number;
  low: number | null;
  high: number | null;
  /**
   * 'paired' when the two sides took turns request by request and pair by round; 'sequential'
   * when the same rounds ran one side after the other (independent bootstrap of the medians);
   * 'bootstrap' otherwise (analysis/compare.ts).
   */
  method: string;
  n: number;
  /** Median time between a pair's two requests, ms (null when the rounds do not pair up). */
  pairGapMs?: number | null;
}
