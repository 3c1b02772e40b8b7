/**
 * The summary table (one row per group of measured requests, analysis/summary.ts), described
 * once. SUMMARY_TABLE holds every column: its flat name, unit, type and value (what DataFrames
 * and CSV read) and its header and cell text (what the text, Markdown and HTML tables print).
 * The views only choose and order columns by name:
 *   COLUMNS                   every data column, in their one stable order: toFrame, flatten, CSV
 *   summaryColumns(rows)      report.html and summary.md (the workshop's Model | Latency (avg) |
 *                             Latency (P95) | Throughput | Tokens | Success, plus provider,
 *                             precision, TTFT with its CI, determinism, memory, load)
 *   summaryTextColumns(rows)  what `slmlab bench` prints (formatSummary): the report's columns
 *                             less the two end-to-end latency ones (to fit a terminal), with
 *                             ok/skipped/error counts for Success (no skipped list below it)
 * Stat columns are <metric>_<stat>: ttft_ms_median, ttft_ms_p95, ttft_ms_ci_low, ...
 */
import type { Summary } from '../../bench/stats/summarize';
import type { SummaryRow } from '../types';
import { modelLabel } from '../model-label';
import { at, column, num, pick, type Column, type ColumnType } from './column';

/** "42.1 [40.0, 44.3]": a median with its 95 % CI. */
export function medianWithCi(s: Summary, digits = 1): string {
  if (s.median === null) return '-';
  return s.ci95 ? `${num(s.median, digits)} [${num(s.ci95.low, digits)}, ${num(s.ci95.high, digits)}]` : num(s.median, digits);
}

/** "120.3 ±8 %": a value with the coefficient of variation of its samples (the spread a student should see). */
export function withCv(s: Summary, value: number | null, digits = 1): string {
  if (value === null) return '-';
  const cv = s.mean && s.stdev !== null && s.n > 1 ? (100 * s.stdev) / s.mean : null;
  return cv === null ? num(value, digits) : `${num(value, digits)} ±${cv.toFixed(0)} %`;
}

/** The decode rate with its CI, "(server)" when the endpoint's own timings, or why there is none. */
export function throughputText(r: SummaryRow): string {
  if (r.decodeTokensPerSecond.median === null && r.rateSource?.includes('coalesced')) return 'not measurable (coalesced)';
  const v = medianWithCi(r.decodeTokensPerSecond);
  return r.rateSource === 'server' && v !== '-' ? `${v} (server)` : v;
}

/** The model process's peak RSS in MiB, or why it was not measured. */
export function modelMemoryText(r: SummaryRow): string {
  if (typeof r.modelPeakRssBytes === 'number') return num(r.modelPeakRssBytes / 2 ** 20, 0);
  return r.memoryNote?.startsWith('not measured here') ? 'not measured here' : '-';
}

/** "3.4" or "8.1 (busy)" when a cell ran with the load above half the cores. */
export function machineLoadText(r: SummaryRow): string {
  if (r.load1 === null || r.load1 === undefined) return '-';
  return `${num(r.load1, 1)}${r.underLoad ? ' (busy)' : ''}`;
}

/** Success counts; the skip reasons are long, so they live in the report's "Skipped and failed groups" section. */
export function successText(r: SummaryRow): string {
  if (r.ok + r.errors === 0 && r.skipped > 0) return 'skipped (see below)';
  const base = `${r.ok}/${r.ok + r.errors}`;
  return r.skipped > 0 ? `${base} (${r.skipped} skipped)` : base;
}

export const deterministicText = (d: boolean | null): string => (d === null ? '-' : d ? 'yes' : 'NO');

/** The load a row was measured under: 'c=4', '2/s', with ' · 512 in' for synthetic prompts; '-' for one request at a time. */
export function loadText(r: SummaryRow): string {
  const load = r.rate !== null ? `${r.rate}/s` : r.mode === 'load' || r.concurrency > 1 ? `c=${r.concurrency}` : '';
  const input = r.inputTokens !== null ? `${r.inputTokens} in` : '';
  return [load, input].filter(Boolean).join(' · ') || '-';
}

const METRICS: readonly { prefix: string; field: keyof SummaryRow; unit: string; what: string; label: string }[] = [
  { prefix: 'ttft_ms', field: 'ttftMs', unit: 'ms', what: 'time to first token', label: 'TTFT' },
  { prefix: 'e2e_ms', field: 'e2eMs', unit: 'ms', what: 'end-to-end latency', label: 'E2E' },
  { prefix: 'tpot_ms', field: 'tpotMs', unit: 'ms', what: 'time per output token after the first', label: 'TPOT' },
  { prefix: 'decode_tps', field: 'decodeTokensPerSecond', unit: 'tokens/s', what: 'decode speed', label: 'decode' },
  { prefix: 'completion_tokens', field: 'completionTokens', unit: 'tokens', what: 'generated tokens', label: 'completion tokens' },
  { prefix: 'prompt_tokens', field: 'promptTokens', unit: 'tokens', what: 'prompt tokens', label: 'prompt tokens' },
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

/** How a stat column prints in the report and the CLI where it has a header of its own there. */
const PRINTED: Record<string, { header: string; format: (r: SummaryRow) => string }> = {
  e2e_ms_mean: { header: 'Latency (avg, ms ±CV)', format: (r) => withCv(r.e2eMs, r.e2eMs.mean) },
  e2e_ms_p95: { header: 'Latency (P95, ms)', format: (r) => num(r.e2eMs.p95) },
  ttft_ms_median: { header: 'TTFT (median, ms ±CV)', format: (r) => withCv(r.ttftMs, r.ttftMs.median) },
  decode_tps_median: { header: 'Throughput (decode tok/s, median [95 % CI])', format: throughputText },
  completion_tokens_median: { header: 'Tokens (completion, median)', format: (r) => num(r.completionTokens.median, 0) },
};

function statColumn(m: (typeof METRICS)[number], s: (typeof STATS)[number]): Column<SummaryRow> {
  const name = `${m.prefix}_${s.suffix}`;
  const unit = s.suffix === 'n' || s.suffix === 'outliers' || s.suffix === 'cv' ? null : m.unit;
  return column<SummaryRow>({
    name, source: `${m.field}.${s.path}`, type: s.type, unit, description: `${m.what}: ${s.what}`,
    get: s.get ? (row) => s.get!((row[m.field] as Summary | undefined) ?? null) : at(`${m.field}.${s.path}`),
    header: PRINTED[name]?.header ?? `${m.label} ${s.suffix.replace('_', ' ')}${unit ? ` (${unit})` : ''}`,
    format: PRINTED[name]?.format,
  });
}

const mib = (name: string, field: keyof SummaryRow, description: string, print: { header?: string; format?: (r: SummaryRow) => string } = {}): Column<SummaryRow> =>
  column<SummaryRow>({ name, source: `${field} / 2^20`, type: 'number', unit: 'MiB', description, get: (row) => (typeof row[field] === 'number' ? (row[field] as number) / 1048576 : null), ...print });

const otherEngine = (rows: readonly SummaryRow[]): boolean => rows.some((r) => r.engine && r.engine !== 'onnxruntime');

/** The summary table's data columns, in their one stable order (DataFrames, flatten, CSV). */
export const COLUMNS: readonly Column<SummaryRow>[] = Object.freeze([
  column<SummaryRow>({ name: 'model', type: 'string', description: 'The model as the grid names it (alias, variant id or folder).',
    header: 'Model', format: (r) => modelLabel(r.model, r.synthetic) }),
  column<SummaryRow>({ name: 'model_id', source: 'modelId', type: 'string', description: 'The id the endpoint served; null when unknown.' }),
  column<SummaryRow>({ name: 'provider', type: 'string', description: 'Execution provider (cpu, webgpu, cuda).',
    header: 'Provider', format: (r) => (r.adapterNote ? `${r.provider} (${r.adapterNote})` : r.provider) }),
  column<SummaryRow>({ name: 'adapter_note', source: 'adapterNote', type: 'string', description: 'webgpu on a software adapter: "software adapter — correctness only, not GPU speed"; null otherwise.',
    when: (rows) => rows.some((r) => r.adapterNote) }),
  column<SummaryRow>({ name: 'precision', type: 'string', description: 'Weight precision (int4, fp16, fp32, ...).', header: 'Precision' }),
  column<SummaryRow>({ name: 'threads', type: 'integer', description: 'ONNX Runtime intra-op threads (0 = default).' }),
  column<SummaryRow>({ name: 'max_tokens', source: 'maxTokens', type: 'integer', unit: 'tokens', description: 'max_tokens sent with each request.' }),
  column<SummaryRow>({ name: 'temperature', type: 'number', description: 'Sampling temperature.' }),
  column<SummaryRow>({ name: 'prompt_id', source: 'promptId', type: 'string', description: 'Prompt id; null when the row spans every prompt.',
    header: 'Prompt', format: (r) => r.promptId ?? 'all' }),
  column<SummaryRow>({ name: 'concurrency', type: 'integer', description: 'Requests per round (rounds mode) or closed-loop clients (load mode).' }),
  column<SummaryRow>({ name: 'rate', type: 'number', unit: 'requests/s', description: 'Open-loop load level; null for a closed loop.' }),
  column<SummaryRow>({ name: 'input_tokens', source: 'inputTokens', type: 'integer', unit: 'tokens', description: 'Synthetic prompt length; null for prompt-set prompts.' }),
  column<SummaryRow>({ name: 'logits', type: 'string', description: "'all' (the model's own graph) or 'last' (logits for the last position only)." }),
  column<SummaryRow>({ name: 'endpoint', type: 'string', description: "'embedded' or the OpenAI-compatible base URL." }),
  // issue 23: printed (after Provider) when any row ran on another engine than ONNX Runtime
  column<SummaryRow>({ name: 'engine', type: 'string', description: "Inference engine: 'onnxruntime' or 'llama.cpp' (the same weights as GGUF).",
    header: 'Engine', format: (r) => r.engine ?? 'onnxruntime', when: otherEngine }),
  column<SummaryRow>({ name: 'synthetic', type: 'boolean', description: 'Synthetic model: seeded random weights, real speed, meaningless text.' }),
  column<SummaryRow>({ name: 'ok', type: 'integer', unit: 'requests', description: 'Measured requests that succeeded (warmups excluded).' }),
  column<SummaryRow>({ name: 'errors', type: 'integer', unit: 'requests', description: 'Measured requests that failed.' }),
  column<SummaryRow>({ name: 'skipped', type: 'integer', unit: 'requests', description: 'Measured requests not run (unusable provider, no variant).' }),
  column<SummaryRow>({ name: 'skip_reason', source: 'skipReason', type: 'string', description: 'Why the group was skipped, when every request was.' }),
  column<SummaryRow>({ name: 'deterministic', type: 'boolean', description: 'Temperature 0: every round of every cell gave the same output; null when not checked.',
    header: 'Deterministic', format: (r) => deterministicText(r.deterministic) }),
  mib('model_peak_rss_mb', 'modelPeakRssBytes', 'Model process peak RSS: the engine process that holds and runs the model (VmHWM and sampled VmRSS, loading included).',
    { header: 'Model process peak RSS (MB)', format: modelMemoryText }),
  mib('model_pss_mb', 'modelPssBytes', 'Model process peak PSS: its shared pages charged in equal parts to their sharers (smaps_rollup).'),
  mib('model_uss_mb', 'modelUssBytes', 'Model process peak USS: the pages it alone holds (what unloading it gives back).'),
  mib('service_rss_mb', 'servicePeakRssBytes', "Service process peak RSS (the process answering HTTP; the embedded service is the caller's own process)."),
  mib('caller_rss_mb', 'peakRssBytes', "Caller's own peak RSS: the runner (CLI or notebook kernel), not the model."),
  mib('model_files_mb', 'modelFileBytes', "Size of the model's files on disk (graph and weights)."),
  column<SummaryRow>({ name: 'memory_note', source: 'memoryNote', type: 'string', description: 'Why the model process was not measured ("not measured here": an external endpoint).' }),
  column<SummaryRow>({ name: 'rate_source', source: 'rateSource', type: 'string', description: "Whose TPOT and decode rate: 'client', 'server' (the endpoint's own per-token timings) or 'not measurable (coalesced)' (tokens arrived in fewer chunks than tokens)." }),
  column<SummaryRow>({ name: 'load_1m', source: 'load1', type: 'number', description: "Machine load: the largest 1-minute load average before or after the group's cells.",
    header: 'Machine load (1-min avg)', format: machineLoadText }),
  column<SummaryRow>({ name: 'cpu_pressure_pct', source: 'cpuPressure', type: 'number', unit: '%', description: 'Largest CPU pressure (/proc/pressure/cpu some avg10) before or after a cell; null where absent.' }),
  column<SummaryRow>({ name: 'steal_pct', source: 'stealPercent', type: 'number', unit: '%', description: 'Largest share of CPU time stolen by the hypervisor during a cell.' }),
  column<SummaryRow>({ name: 'under_load', source: 'underLoad', type: 'boolean', description: "A cell ran with the 1-minute load above half the logical cores: not a quiet machine's figures." }),
  ...METRICS.flatMap((m) => STATS.map((s) => statColumn(m, s))),
]);

/** Columns only the printed tables have: summaries of several fields in one cell. */
const PRINTED_ONLY: readonly Column<SummaryRow>[] = Object.freeze([
  column<SummaryRow>({ name: 'load', source: 'rate, concurrency, mode, inputTokens', type: 'string', description: "The load a row was measured under: 'c=4', '2/s', ' · 512 in' for synthetic prompts.",
    get: loadText, header: 'Load', when: (rows) => rows.some((r) => loadText(r) !== '-') }),
  column<SummaryRow>({ name: 'success', source: 'ok, errors, skipped', type: 'string', description: 'ok / (ok + errors), with the skipped requests.',
    get: successText, header: 'Success' }),
  // The terminal has no "Skipped" section below its table: the three counts, without "(see below)".
  column<SummaryRow>({ name: 'outcomes', source: 'ok, skipped, errors', type: 'string', description: 'Measured requests: ok / skipped / errors.',
    get: (r) => `${r.ok}/${r.skipped}/${r.errors}`, header: 'ok/skipped/error' }),
]);

/** Every column of the summary table: the data columns, then the printed-only ones. */
export const SUMMARY_TABLE: readonly Column<SummaryRow>[] = Object.freeze([...COLUMNS, ...PRINTED_ONLY]);

const REPORT_VIEW = ['model', 'provider', 'engine', 'precision', 'prompt_id', 'load', 'e2e_ms_mean', 'e2e_ms_p95', 'ttft_ms_median', 'decode_tps_median',
  'completion_tokens_median', 'success', 'deterministic', 'model_peak_rss_mb', 'load_1m'] as const;

const TEXT_VIEW = REPORT_VIEW.filter((n) => n !== 'e2e_ms_mean' && n !== 'e2e_ms_p95').map((n) => (n === 'success' ? 'outcomes' : n));

/** The columns of report.html's and summary.md's summary table for these rows (Engine and Load only when a row needs them). */
export function summaryColumns(rows: readonly SummaryRow[]): Column<SummaryRow>[] {
  return pick(SUMMARY_TABLE, REPORT_VIEW, rows);
}

/** The columns `slmlab bench` prints for these rows: the report's, less the two end-to-end latency columns (a terminal's width), with the outcome counts for Success. */
export function summaryTextColumns(rows: readonly SummaryRow[]): Column<SummaryRow>[] {
  return pick(SUMMARY_TABLE, TEXT_VIEW, rows);
}
