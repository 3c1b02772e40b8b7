/**
 * A load profile on a grid, run: plain levels (the grid's own concurrency/rate axes), a
 * sweep (sweep.ts) or a --find-max search (find-max.ts). Each level is a plan of its own
 * (planGrid with that concurrency or rate) run into the same results file under one intent
 * hash, so a re-run resumes the whole profile and a different one is refused.
 *
 *   const r = await runProfile(spec, { kind: 'find-max', axis: 'concurrency', slo }, { resultsFile });
 *   r.findMax?.best
 */
import * as fs from 'node:fs';
import { canonicalJson, sha256Hex } from './grid/hash';
import type { GridSpec } from './grid/spec';
import { GridError } from './grid/errors';
import { planGrid, type PlanOptions } from './plan';
import { runPlan, type RunPlanOptions, type RunResult } from './runner/run-plan';
import { readResults } from './store/results';
import { levelStats, levelsOf, type LevelOptions } from './load/level-stats';
import { findMax, type FindMaxResult } from './load/find-max';
import { sweep, type SweepLevel, type SweepResult } from './load/sweep';
import type { Slo } from './load/slo';

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
  plan?: Omit<PlanOptions, 'intent'>;
  /** For the level statistics the searches read (percentiles). */
  levels?: LevelOptions;
}

/** One level of the base grid: its concurrency or rate axis replaced. */
export function levelSpec(base: GridSpec, level: SweepLevel): GridSpec {
  return level.kind === 'concurrency'
    ? { ...base, mode: 'load', concurrency: [level.concurrency], rate: undefined, maxConcurrency: undefined }
    : { ...base, mode: 'load', concurrency: undefined, rate: [level.rate] };
}

export async function runProfile(base: GridSpec, profile: Profile, opts: ProfileOptions): Promise<ProfileResult> {
  const out: ProfileResult = { runs: [], warnings: [], aborted: false };
  if (opts.fresh) fs.rmSync(opts.resultsFile, { force: true });
  const o: ProfileOptions = { ...opts, fresh: false }; // once for the whole profile, not per level
  if (profile.kind === 'grid') {
    const r = await runPlan(planGrid(base, o.plan), o);
    return { runs: [r], warnings: r.warnings, aborted: r.aborted };
  }
  const probe = planGrid(levelSpec(base, { kind: 'concurrency', concurrency: 1 }), o.plan);
  if (probe.cells.length !== 1) {
    throw new GridError(`a ${profile.kind} runs one model on one endpoint with one prompt, but this grid has ${probe.cells.length} cells per level: narrow it with --models, --prompts or --input-tokens`, []);
  }
  const intent = sha256Hex(canonicalJson({ base: probe.settings, profile }));
  const measure = async (level: SweepLevel) => {
    if (out.aborted) return null;
    const plan = planGrid(levelSpec(base, level), { ...o.plan, intent });
    const r = await runPlan(plan, o);
    out.runs.push(r);
    out.warnings.push(...r.warnings);
    if (r.aborted) out.aborted = true;
    const rs = levelsOf(readResults(o.resultsFile).requests).find((l) => l[0].cellId === plan.cells[0].cellId && l[0].gridHash === plan.gridHash);
    return rs ? levelStats(rs, { ...o.levels, slo: profile.kind === 'find-max' ? profile.slo : o.levels?.slo }) : null;
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
