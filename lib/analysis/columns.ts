/**
 * The flat columns of a summary table, in their one stable order: DataFrames, CSV and
 * Markdown exporters all read COLUMNS (name, source in SummaryRow, type, unit, description).
 * Stat columns are <metric>_<stat>: ttft_ms_median, ttft_ms_p95, ttft_ms_ci_low, ...
 */
import type { Summary } from '../bench/stats';
import type { ComparisonRow, SummaryRow } from './types';

export type ColumnType = 'string' | 'number' | 'integer' | 'boolean';

export interface Column {
  name: string;
  /** Path in the source record ('ttftMs.ci95.low'); derived columns say how. */
  source: string;
  type: ColumnType;
  unit: string | null;
  description: string;
  /** Reads the value from a row (null when missing). */
  get: (row: any) => string | number | boolean | null;
}

const at = (path: string) => (row: any): any => {
  let v = row;
  for (const p of path.split('.')) { if (v === null || v === undefined) return null; v = v[p]; }
  return v === undefined ? null : v;
};

const col = (name: string, source: string, type: ColumnType, unit: string | null, description: string, get = at(source)): Column =>
  Object.freeze({ name, source, type, unit, description, get });

const METRICS: readonly { prefix: string; field: keyof SummaryRow; unit: string; what: string }[] = [
  { prefix: 'ttft_ms', field: 'ttftMs', unit: 'ms', what: 'time to first token' },
  { prefix: 'e2e_ms', field: 'e2eMs', unit: 'ms', what: 'end-to-end latency' },
  { prefix: 'tpot_ms', field: 'tpotMs', unit: 'ms', what: 'time per output token after the first' },
  { prefix: 'decode_tps', field: 'decodeTokensPerSecond', unit: 'tokens/s', what: 'decode speed' },
  { prefix: 'completion_tokens', field: 'completionTokens', unit: 'tokens', what: 'generated tokens' },
  { prefix: 'prompt_tokens', field: 'promptTokens', unit: 'tokens', what: 'prompt tokens' },
];

const STATS: readonly { suffix: string; path: string; type: ColumnType; what: string; get?: (s: Summary | null) => number | null }[] = [
  { suffix: 'n', path: 'n', type: 'integer', what: 'ok requests measured' },
  { suffix: 'median', path: 'median', type: 'number', what: 'median' },
  { suffix: 'cv', path: 'stdev / mean', type: 'number', what: 'coefficient of variation (stdev / mean): the spread beside the median', get: (s) => (s && s.mean && s.stdev !== null ? s.stdev / s.mean : null) },
  { suffix: 'ci_low', path: 'ci95.low', type: 'number', what: 'low end of the 95 % bootstrap CI of the median' },
  { suffix: 'ci_high', path: 'ci95.high', type: 'number', what: 'high end of the 95 % bootstrap CI of the median' },
  { suffix: 'mean', path: 'mean', type: 'number', what: 'mean' },
  { suffix: 'stdev', path: 'stdev', type: 'number', what: 'sample standard deviation (n - 1)' },
  { suffix: 'min', path: 'min', type: 'number', what: 'minimum' },
  { suffix: 'max', path: 'max', type: 'number', what: 'maximum' },
  { suffix: 'p90', path: 'p90', type: 'number', what: '90th percentile (linear interpolation)' },
  { suffix: 'p95', path: 'p95', type: 'number', what: '95th percentile (linear interpolation)' },
  { suffix: 'p99', path: 'p99', type: 'number', what: '99th percentile (linear interpolation)' },
  { suffix: 'outliers', path: 'outliers', type: 'integer', what: 'values flagged by the MAD modified z-score (> 3.5)', get: (s) => (s ? s.outliers.length : null) },
];

const mib = (name: string, field: string, description: string): Column =>
  col(name, `${field} / 2^20`, 'number', 'MiB', description, (row) => (typeof row[field] === 'number' ? row[field] / 1048576 : null));

/** Summary table columns, in order. */
export const COLUMNS: readonly Column[] = Object.freeze([
  col('model', 'model', 'string', null, 'The model as the grid names it (alias, variant id or folder).'),
  col('model_id', 'modelId', 'string', null, 'The id the endpoint served; null when unknown.'),
  col('provider', 'provider', 'string', null, 'Execution provider (cpu, webgpu, cuda).'),
  col('adapter_note', 'adapterNote', 'string', null, 'webgpu on a software adapter: "software adapter — correctness only, not GPU speed"; null otherwise.'),
  col('precision', 'precision', 'string', null, 'Weight precision (int4, fp16, fp32, ...).'),
  col('threads', 'threads', 'integer', null, 'ONNX Runtime intra-op threads (0 = default).'),
  col('max_tokens', 'maxTokens', 'integer', 'tokens', 'max_tokens sent with each request.'),
  col('temperature', 'temperature', 'number', null, 'Sampling temperature.'),
  col('prompt_id', 'promptId', 'string', null, 'Prompt id; null when the row spans every prompt.'),
  col('concurrency', 'concurrency', 'integer', null, 'Requests per round (rounds mode) or closed-loop clients (load mode).'),
  col('rate', 'rate', 'number', 'requests/s', 'Open-loop load level; null for a closed loop.'),
  col('input_tokens', 'inputTokens', 'integer', 'tokens', 'Synthetic prompt length; null for prompt-set prompts.'),
  col('logits', 'logits', 'string', null, "'all' (the model's own graph) or 'last' (logits for the last position only)."),
  col('endpoint', 'endpoint', 'string', null, "'embedded' or the OpenAI-compatible base URL."),
  col('engine', 'engine', 'string', null, "Inference engine: 'onnxruntime' or 'llama.cpp' (the same weights as GGUF)."),
  col('synthetic', 'synthetic', 'boolean', null, 'Synthetic model: seeded random weights, real speed, meaningless text.'),
  col('ok', 'ok', 'integer', 'requests', 'Measured requests that succeeded (warmups excluded).'),
  col('errors', 'errors', 'integer', 'requests', 'Measured requests that failed.'),
  col('skipped', 'skipped', 'integer', 'requests', 'Measured requests not run (unusable provider, no variant).'),
  col('skip_reason', 'skipReason', 'string', null, 'Why the group was skipped, when every request was.'),
  col('deterministic', 'deterministic', 'boolean', null, 'Temperature 0: every round of every cell gave the same output; null when not checked.'),
  mib('model_peak_rss_mb', 'modelPeakRssBytes', "Model process peak RSS: the engine process that holds and runs the model (VmHWM and sampled VmRSS, loading included)."),
  mib('model_pss_mb', 'modelPssBytes', 'Model process peak PSS: its shared pages charged in equal parts to their sharers (smaps_rollup).'),
  mib('model_uss_mb', 'modelUssBytes', 'Model process peak USS: the pages it alone holds (what unloading it gives back).'),
  mib('service_rss_mb', 'servicePeakRssBytes', "Service process peak RSS (the process answering HTTP; the embedded service is the caller's own process)."),
  mib('caller_rss_mb', 'peakRssBytes', "Caller's own peak RSS: the runner (CLI or notebook kernel), not the model."),
  mib('model_files_mb', 'modelFileBytes', "Size of the model's files on disk (graph and weights)."),
  col('memory_note', 'memoryNote', 'string', null, 'Why the model process was not measured ("not measured here": an external endpoint).'),
  col('rate_source', 'rateSource', 'string', null, "Whose TPOT and decode rate: 'client', 'server' (the endpoint's own per-token timings) or 'not measurable (coalesced)' (tokens arrived in fewer chunks than tokens)."),
  col('load_1m', 'load1', 'number', null, "Machine load: the largest 1-minute load average before or after the group's cells."),
  col('cpu_pressure_pct', 'cpuPressure', 'number', '%', 'Largest CPU pressure (/proc/pressure/cpu some avg10) before or after a cell; null where absent.'),
  col('steal_pct', 'stealPercent', 'number', '%', "Largest share of CPU time stolen by the hypervisor during a cell."),
  col('under_load', 'underLoad', 'boolean', null, 'A cell ran with the 1-minute load above half the logical cores: not a quiet machine\'s figures.'),
  ...METRICS.flatMap((m) => STATS.map((s) => col(`${m.prefix}_${s.suffix}`, `${m.field}.${s.path}`, s.type,
    s.suffix === 'n' || s.suffix === 'outliers' || s.suffix === 'cv' ? null : m.unit, `${m.what}: ${s.what}`,
    s.get ? (row: any) => s.get!(row[m.field] ?? null) : at(`${m.field}.${s.path}`)))),
]);

/** Comparison table columns, in order. */
export const COMPARISON_COLUMNS: readonly Column[] = Object.freeze([
  col('kind', 'kind', 'string', null, "'provider', 'precision', 'model' or 'engine'."),
  col('label', 'label', 'string', null, "What was compared: 'cuda vs cpu' (candidate vs baseline)."),
  col('context', 'context', 'string', null, 'The settings both sides share.'),
  col('metric', 'metric', 'string', null, 'decodeTokensPerSecond, ttftMs or e2eMs.'),
  col('speedup', 'speedup', 'number', 'x', '> 1: the candidate is faster (speeds: candidate/baseline; latencies: baseline/candidate).'),
  col('low', 'low', 'number', 'x', 'Low end of the 95 % bootstrap interval.'),
  col('high', 'high', 'number', 'x', 'High end of the 95 % bootstrap interval.'),
  col('method', 'method', 'string', null, "'paired' (the sides took turns request by request: per-round ratios), 'sequential' (one side's rounds, then the other's: ratio of medians) or 'bootstrap' (ratio of medians)."),
  col('n', 'n', 'integer', null, 'Pairs (paired) or the smaller side\'s ok requests (bootstrap).'),
  col('pair_gap_s', 'pairGapMs / 1000', 'number', 's', 'Median time between the two requests of a pair: how far apart the compared figures were measured.',
    (row) => (typeof row.pairGapMs === 'number' ? row.pairGapMs / 1000 : null)),
]);

/** Rows as flat records keyed by column name, in column order. */
export function flatten(rows: readonly object[], columns: readonly Column[] = COLUMNS): Record<string, string | number | boolean | null>[] {
  return rows.map((row) => Object.fromEntries(columns.map((c) => [c.name, c.get(row)])));
}

export type { SummaryRow, ComparisonRow };
