/**
 * A load profile on a grid, run: plain levels (the grid's own concurrency/rate axes), a
 * sweep (sweep.ts) or a --find-max search (find-max.ts). The grid is planned once (planGrid,
 * which applies the overrides and validates); each level of a sweep or search is a plan of
 * its own derived from that one (plan/plan-level.ts: that concurrency or rate, nothing checked
 * again), run into the same results file under one intent hash, so a re-run resumes the whole
 * profile and a different one is refused. `fresh` is runPlan's (the first level starts over).
 *
 *   const r = await runProfile(spec, { kind: 'find-max', axis: 'concurrency', slo }, { resultsFile });
 *   r.findMax?.best
 *   await runProfilePlan(planGrid(spec, { overrides }), profile, { resultsFile })   // planned by the caller
 */
import { canonicalJson, sha256Hex } from './grid/hash';
import type { GridSpec } from './grid/spec';
import { GridError } from './grid/errors';
import { planGrid, planLevel, type Plan, type PlanOptions } from './plan';
import { runPlan, type RunPlanOptions, type RunResult } from './runner/run-plan';
import { readResults } from './store/results';
import { levelStats, levelsOf, type LevelOptions } from './load/level-stats';
import { findMax, type FindMaxResult } from './load/find-max';
import { sweep, type SweepLevel, type SweepResult } from './load/sweep';
import type { Slo } from './load/slo';

export { levelSpec } from './plan';

export type Profile =
  | { kind: 'grid' }
  | { kind: 'sweep'; size?: number; throughputConcurrency?: number }
  | { kind: 'find-max'; axis: 'concurrency' | 'rate'; slo: Slo; target?: number; start?: number; max?: number; resolution?: number };

export interface ProfileResult {
  /** Every runPlan result, one per level run (one for a plain grid). */
  runs: RunResult[];
  sweep?: SweepResult;
  findMax?: FindMaxResult;
  warnings: string[];
  aborted: boolean;
}

export interface ProfileOptions extends RunPlanOptions {
  /** How the grid is planned (runProfile) and its levels (prompt library, schedule, catalog). */
  plan?: Omit<PlanOptions, 'intent'>;
  /** For the level statistics the searches read (percentiles). */
  levels?: LevelOptions;
}

/** planGrid(base, opts.plan), then runProfilePlan. */
export async function runProfile(base: GridSpec, profile: Profile, opts: ProfileOptions): Promise<ProfileResult> {
  return runProfilePlan(planGrid(base, opts.plan), profile, opts);
}

/** Runs `profile` on a plan made by planGrid (its levels derived from it, not planned again). */
export async function runProfilePlan(base: Plan, profile: Profile, opts: ProfileOptions): Promise<ProfileResult> {
  const out: ProfileResult = { runs: [], warnings: [], aborted: false };
  if (profile.kind === 'grid') {
    const r = await runPlan(base, opts);
    return { runs: [r], warnings: r.warnings, aborted: r.aborted };
  }
  const probe = planLevel(base, { kind: 'concurrency', concurrency: 1 }, opts.plan);
  if (probe.cells.length !== 1) {
    throw new GridError(`a ${profile.kind} runs one model on one endpoint with one prompt, but this grid has ${probe.cells.length} cells per level: narrow it with --models, --prompts or --input-tokens`, []);
  }
  const intent = sha256Hex(canonicalJson({ base: probe.settings, profile }));
  let fresh = opts.fresh; // the first level starts over when asked; the others add to it
  const measure = async (level: SweepLevel) => {
    if (out.aborted) return null;
    const plan = planLevel(base, level, { ...opts.plan, intent });
    const r = await runPlan(plan, { ...opts, fresh });
    fresh = false;
    out.runs.push(r);
    out.warnings.push(...r.warnings);
    if (r.aborted) out.aborted = true;
    const rs = levelsOf(readResults(opts.resultsFile).requests).find((l) => l[0].cellId === plan.cells[0].cellId && l[0].gridHash === plan.gridHash);
    return rs ? levelStats(rs, { ...opts.levels, slo: profile.kind === 'find-max' ? profile.slo : opts.levels?.slo }) : null;
  };
  if (profile.kind === 'sweep') {
    out.sweep = await sweep({ size: profile.size, throughputConcurrency: profile.throughputConcurrency, measure: async (l) => (await measure(l))?.requestsPerSecond ?? null });
  } else {
    out.findMax = await findMax({
      axis: profile.axis, start: profile.start, max: profile.max, target: profile.target, resolution: profile.resolution,
      measure: async (load) => (await measure(profile.axis === 'concurrency' ? { kind: 'concurrency', concurrency: load } : { kind: 'rate', rate: load }))?.goodput?.share ?? null,
    });
  }
  return out;
}
