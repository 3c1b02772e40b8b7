/**
 * The runner: executes a Plan (lib/bench/plan) into a results file (lib/bench/store).
 *
 *   const plan = planGrid(loadGrid('default'), { env: process.env });
 *   const result = await runPlan(plan, { resultsFile: 'reports/default/results.jsonl', onProgress });
 *
 * runGrid(spec, opts) is the one-call form kept for notebooks and scripts: planGrid then runPlan.
 */
import type { GridSpec, InterleaveMode, PromptSet } from '../grid';
import { planGrid } from '../plan';
import { runPlan, type RunPlanOptions, type RunResult } from './run-plan';

export { runPlan, cellLabel, type RunPlanOptions, type RunResult, type RunProgress, type LevelLag } from './run-plan';
export { fromCall } from './from-call';
export { summarizeCell } from './cell-summary';
export { BenchFailedError, LessonRunError } from './errors';
export { runVerdict, type Verdict, type VerdictStatus, type VerdictOptions, type FailedModel } from './verdict';
// The line types live in the store now; re-exported here for code written against the runner.
export type { RunRecord, CellSummaryRecord } from '../store';

export interface RunGridOptions extends RunPlanOptions {
  /** Workshop variables (BENCH_*); default process.env. Pass {} to apply none. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Prompt sets grids may name; default loadPromptLibrary(). */
  library?: readonly PromptSet[];
  interleave?: InterleaveMode;
}

/** @deprecated name kept for compatibility: RunResult. */
export type RunGridResult = RunResult;

/** planGrid(spec, { env: opts.env ?? process.env, ... }) then runPlan(plan, opts). */
export async function runGrid(spec: GridSpec, opts: RunGridOptions): Promise<RunResult> {
  const plan = planGrid(spec, { env: opts.env ?? process.env, library: opts.library, interleave: opts.interleave });
  return runPlan(plan, opts);
}
