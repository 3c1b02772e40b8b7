/**
 * benchmark(): a grid for a lesson in one call. It checks every model name against the catalog
 * before anything runs (a typo fails the cell with "did you mean ...?"), runs the grid with a
 * progress display that updates in place, reads the results back, and fails the cell when a
 * model produced errors and no result at all (a 404, an endpoint that is down) instead of
 * leaving empty figures behind. Unusable providers are not failures: they come back as one
 * note each in `skipped`. A thin caller: planGrid (with the catalog and `overrides`), runPlan
 * (`fresh`, resume), runVerdict with the 'model' policy (lib/bench/runner/verdict.ts), then the tables.
 *
 *   const b = await benchmark(spec, { resultsFile: 'results/session03/grid.jsonl' });
 *   show(b.table);   show(latencyBars(b.rows));   b.skipped  // ['webgpu: ...', 'cuda: ...']
 */
import type pl from 'nodejs-polars';
import type { AppliedOverride, GridSpec, IgnoredOverride } from '../bench/grid';
import { planGrid, type PlanOverrides } from '../bench/plan';
import { runPlan, runVerdict, type RunGridResult } from '../bench/runner';
import { loadResults, summarizeResults, toFrame, type GroupBy, type LoadedResults, type SummaryRow } from '../analysis';
import { loadCatalog } from '../catalog';
import { notebookProgress } from './progress';
import { modelLabel } from '../report/labels';

/** A model that only failed: the message of its first error, which names the fix (raised by runVerdict, lib/bench/runner/verdict.ts). */
export { LessonRunError } from '../bench/runner/errors';

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
  /** Changes on top of the grid, as the CLI's flags make them (e.g. { rounds: 1, models: ['tiny'] }); the workshop variables still apply after them. */
  overrides?: PlanOverrides;
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
  const plan = planGrid(spec, { env: options.env ?? process.env, catalog: loadCatalog(), overrides: options.overrides });
  const t0 = Date.now();
  const run = await runPlan(plan, { resultsFile: options.resultsFile, fresh: options.fresh !== false, onProgress: notebookProgress(options.title ?? plan.spec.name ?? 'benchmark') });
  const seconds = (Date.now() - t0) / 1000;
  const results = loadResults(options.resultsFile);
  const verdict = runVerdict(results.requests, { policy: 'model' });
  if (verdict.error) throw verdict.error;

  const measured = results.requests.filter((r) => !r.warmup);
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
    overrides: plan.overrides, ignored: plan.ignored, seconds,
  };
}
