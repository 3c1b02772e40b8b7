/**
 * The summary table's columns, defined once: the Markdown summary and the HTML report both
 * read this table (the workshop's Model | Latency (avg) | Latency (P95) | Throughput | Tokens |
 * Success, plus provider, precision, TTFT, the CI, determinism). Values are plain text;
 * each exporter escapes them for its format.
 */
import type { SummaryRow } from '../../analysis/types';
import type { Summary } from '../../bench/stats/summarize';
import { modelLabel } from '../labels';

export interface SummaryColumn {
  header: string;
  /** Right-align (numbers). */
  numeric: boolean;
  value: (r: SummaryRow) => string;
}

export const num = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

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

export const SUMMARY_COLUMNS: readonly SummaryColumn[] = Object.freeze([
  { header: 'Model', numeric: false, value: (r) => modelLabel(r.model, r.synthetic) },
  { header: 'Provider', numeric: false, value: (r) => (r.adapterNote ? `${r.provider} (${r.adapterNote})` : r.provider) },
  { header: 'Precision', numeric: false, value: (r) => r.precision },
  { header: 'Prompt', numeric: false, value: (r) => r.promptId ?? 'all' },
  { header: 'Latency (avg, ms ±CV)', numeric: true, value: (r) => withCv(r.e2eMs, r.e2eMs.mean) },
  { header: 'Latency (P95, ms)', numeric: true, value: (r) => num(r.e2eMs.p95) },
  { header: 'TTFT (median, ms ±CV)', numeric: true, value: (r) => withCv(r.ttftMs, r.ttftMs.median) },
  { header: 'Throughput (decode tok/s, median [95 % CI])', numeric: true, value: throughputText },
  { header: 'Tokens (completion, median)', numeric: true, value: (r) => num(r.completionTokens.median, 0) },
  { header: 'Success', numeric: false, value: successText },
  { header: 'Deterministic', numeric: false, value: (r) => deterministicText(r.deterministic) },
  { header: 'Model process peak RSS (MB)', numeric: true, value: modelMemoryText },
  { header: 'Machine load (1-min avg)', numeric: true, value: machineLoadText },
]);

/** The load a row was measured under: 'c=4', '2/s', with ' · 512 in' for synthetic prompts; '-' for one request at a time. */
export function loadText(r: SummaryRow): string {
  const load = r.rate !== null ? `${r.rate}/s` : r.mode === 'load' || r.concurrency > 1 ? `c=${r.concurrency}` : '';
  const input = r.inputTokens !== null ? `${r.inputTokens} in` : '';
  return [load, input].filter(Boolean).join(' · ') || '-';
}

/** SUMMARY_COLUMNS, plus a Load column after Prompt when the rows were measured under different loads or input lengths. */
export function summaryColumns(rows: readonly SummaryRow[]): readonly SummaryColumn[] {
  let cols: readonly SummaryColumn[] = SUMMARY_COLUMNS;
  // issue 23: an Engine column after Provider when any row ran on another engine than ONNX Runtime
  if (rows.some((r) => r.engine && r.engine !== 'onnxruntime')) {
    const e = cols.findIndex((c) => c.header === 'Provider') + 1;
    cols = [...cols.slice(0, e), { header: 'Engine', numeric: false, value: (r: SummaryRow) => r.engine ?? 'onnxruntime' }, ...cols.slice(e)];
  }
  if (!rows.some((r) => loadText(r) !== '-')) return cols;
  const i = cols.findIndex((c) => c.header === 'Prompt') + 1;
  return [...cols.slice(0, i), { header: 'Load', numeric: false, value: loadText }, ...cols.slice(i)];
}
