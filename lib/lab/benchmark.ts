/**
 * benchmark(): a grid for a lesson in one call. It checks every model name against the catalog
 * before anything runs (a typo fails the cell with "did you mean ...?"), runs the grid with a
 * progress display that updates in place, reads the results back, and fails the cell when a
 * model produced errors and no result at all (a 404, an endpoint that is down) instead of
 * leaving empty figures behind. Unusable providers are not failures: they come back as one
 * note each in `skipped`.
 *
 *   const b = await benchmark(spec, { resultsFile: 'results/session03/grid.jsonl' });
 *   show(b.table);   show(latencyBars(b.rows));   b.skipped  // ['webgpu: ...', 'cuda: ...']
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type pl from 'nodejs-polars';
import { applyEnvOverrides, validateGrid, type AppliedOverride, type GridSpec, type IgnoredOverride } from '../bench/grid';
import { runGrid, type RunGridResult } from '../bench/runner';
import { loadResults, summarizeResults, toFrame, type GroupBy, type LoadedResults, type SummaryRow } from '../analysis';
import { loadCatalog } from '../catalog';
import { SlmlabError } from '../errors';
import { notebookProgress } from './progress';
import { modelLabel } from '../report/labels';

/** A model that only failed: the message of its first error, which names the fix. */
export class LessonRunError extends SlmlabError {
  constructor(message: string) { super('invalid_request', message, 400); }
}

/** The summary columns a lesson table shows, in order (analysis' COLUMNS names). */
export const LESSON_COLUMNS = [
  'model', 'provider', 'ok', 'errors', 'model_peak_rss_mb', 'model_files_mb', 'caller_rss_mb', 'ttft_ms_median', 'ttft_ms_p95', 'e2e_ms_median', 'e2e_ms_p95',
  'decode_tps_median', 'decode_tps_cv', 'completion_tokens_median', 'deterministic', 'load_1m', 'under_load',
] as const;

/** LESSON_COLUMNS, with adapter_note after provider when a row ran on a software adapter ("correctness only, not GPU speed"). */
function lessonColumns(rows: readonly { adapterNote: string | null; engine: string }[]): string[] {
  const cols: string[] = [...LESSON_COLUMNS];
  if (rows.some((r) => r.adapterNote)) cols.splice(cols.indexOf('provider') + 1, 0, 'adapter_note');
  // issue 23: the engine column when any row ran on another engine than ONNX Runtime
  if (rows.some((r) => r.engine !== 'onnxruntime')) cols.splice(cols.indexOf('provider') + 1, 0, 'engine');
  return cols;
}

export interface BenchmarkOptions {
  resultsFile: string;
  /** Start a new results file (default true); false resumes / appends to the same grid's results. */
  fresh?: boolean;
  /** Title of the progress display. */
  title?: string;
  /** Group rows by 'setting' (every prompt together, default) or 'cell' (one row per prompt). */
  by?: GroupBy;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface BenchmarkResult {
  run: RunGridResult;
  results: LoadedResults;
  /** One summary row per model × provider × setting that ran (skipped groups left out). */
  rows: SummaryRow[];
  /** rows as a polars DataFrame with LESSON_COLUMNS; a synthetic model's name carries " (synthetic)". */
  table: pl.DataFrame;
  /** Every column of analysis' summary, for students who want the lot. */
  fullTable: pl.DataFrame;
  /** One line per provider that was skipped, with the reason (e.g. 'cuda: ... not usable ...'). */
  skipped: string[];
  overrides: AppliedOverride[];
  ignored: IgnoredOverride[];
  seconds: number;
}

export async function benchmark(spec: GridSpec, options: BenchmarkOptions): Promise<BenchmarkResult> {
  const env = options.env ?? process.env;
  const { spec: effective, applied, ignored } = applyEnvOverrides(spec, env);
  validateGrid(effective, { catalog: loadCatalog() });
  if (options.fresh !== false) fs.rmSync(options.resultsFile, { force: true });
  fs.mkdirSync(path.dirname(options.resultsFile), { recursive: true });
  const t0 = Date.now();
  const run = await runGrid(spec, { resultsFile: options.resultsFile, env, onProgress: notebookProgress(options.title ?? effective.name ?? 'benchmark') });
  const seconds = (Date.now() - t0) / 1000;
  const results = loadResults(options.resultsFile);

  const measured = results.requests.filter((r) => !r.warmup);
  const failures: string[] = [];
  for (const model of new Set(measured.map((r) => r.model))) {
    const own = measured.filter((r) => r.model === model);
    const firstError = own.find((r) => r.status === 'error');
    if (firstError && !own.some((r) => r.status === 'ok')) failures.push(`${model} on ${firstError.provider}: ${firstError.reason ?? 'failed'}`);
  }
  if (failures.length > 0) throw new LessonRunError(`no request succeeded for ${failures.join('; ')}`);

  const all = summarizeResults(results.requests, results.cells, { by: options.by ?? 'setting' });
  const rows = all.filter((r) => r.ok + r.errors > 0);
  const skipped = new Map<string, string>();
  // issue 23: a skipped engine is named as such ('llama.cpp: ... run `slmlab engines add llama.cpp`')
  const skipKey = (r: (typeof measured)[number]) => (r.engine && r.engine !== 'onnxruntime' && r.reason?.startsWith('engine ') ? r.engine : r.provider);
  for (const r of measured) if (r.status === 'skipped' && !skipped.has(skipKey(r))) skipped.set(skipKey(r), r.reason ?? 'not run');
  const fullTable = toFrame(rows);
  // The lesson table names a twin "qwen2.5-0.5b-twin (synthetic)": its figures are real speeds of random weights.
  const table = toFrame(rows.map((r) => ({ ...r, model: modelLabel(r.model, r.synthetic) }))).select(...lessonColumns(rows));
  return {
    run, results, rows, fullTable, table,
    skipped: [...skipped].map(([p, why]) => `${p}: ${why}`),
    overrides: applied, ignored, seconds,
  };
}
