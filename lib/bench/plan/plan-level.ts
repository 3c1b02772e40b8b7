/**
 * One level of a load profile (a sweep, a --find-max search), planned from the profile's
 * base plan: its concurrency or rate axis replaced. The base plan was validated by planGrid;
 * a level only sets the load the search chose, so it is planned without validating again and
 * without applying overrides again (plan-valid.ts).
 */
import type { GridSpec } from '../grid/spec';
import type { SweepLevel } from '../load/sweep';
import type { Plan, PlanOptions } from './plan-grid';
import { loadPromptLibrary } from '../grid/prompts';
import { planValidGrid } from './plan-valid';

/** One level of the base grid: its concurrency or rate axis replaced. */
export function levelSpec(base: GridSpec, level: SweepLevel): GridSpec {
  return level.kind === 'concurrency'
    ? { ...base, mode: 'load', concurrency: [level.concurrency], rate: undefined, maxConcurrency: undefined }
    : { ...base, mode: 'load', concurrency: undefined, rate: [level.rate] };
}

/** The plan of one level of `base` (`o`: the options `base` was planned with, and the profile's intent hash). */
export function planLevel(base: Plan, level: SweepLevel, o: Pick<PlanOptions, 'library' | 'interleave' | 'catalog' | 'availableBytes' | 'intent'> = {}): Plan {
  return planValidGrid(levelSpec(base.spec, level), {
    library: o.library ?? loadPromptLibrary(), interleave: o.interleave, catalog: o.catalog, availableBytes: o.availableBytes, intent: o.intent,
    overrides: base.overrides, ignored: base.ignored, onePrompt: base.onePrompt,
  });
}
