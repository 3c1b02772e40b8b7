/**
 * planGrid: everything about a benchmark decided before anything runs, once, in one place.
 *
 *   const plan = planGrid(loadGrid('default'), { env: process.env });
 *   console.log(formatDryRun(plan.cells));      // --dry-run
 *   await runPlan(plan, { resultsFile });        // the runner executes it, deciding nothing
 *
 * spec -> the caller's overrides applied (overrides.ts: CLI flags, notebook options) -> the
 * workshop variables applied (grid/env.ts) -> validated, once (with a catalog: model names
 * checked) -> cells (expand.ts), narrowed to one prompt when a load run asks for it -> request
 * order (schedule.ts) -> grid hash (plan-valid.ts). This is the only place that applies
 * overrides and validates: the runner, the load profiles and the levels of a sweep
 * (plan-level.ts) trust the plan. Pure but for one reading: without `interleave`, a grid
 * comparing models alternates their requests when their weights fit in the free memory
 * (default-interleave.ts reads it); nothing is written (the prompt library is read by the
 * caller; loadPromptLibrary() when none is given).
 */
import { envOverrides, envOverriddenName, type AppliedOverride, type IgnoredOverride } from '../grid/env';
import { expandValidGrid, type Cell } from '../grid/expand';
import { loadPromptLibrary, type PromptSet } from '../grid/prompts';
import type { InterleaveMode, PlannedRequest } from '../grid/schedule';
import type { GridSpec } from '../grid/spec';
import { validateGrid } from '../grid/validate';
import type { CatalogFile } from '../../catalog/types';
import { applyOverrides, wantsOnePrompt, type PlanOverrides } from './overrides';
import { planValidGrid } from './plan-valid';

export interface Plan {
  /** The grid's name (report folders, run lines). */
  name: string;
  /** The grid as run: the spec with the overrides and the workshop variables applied. */
  spec: GridSpec;
  /** Its hash, prompts bound to their content; every cell and request carries it. '' for an empty grid. */
  gridHash: string;
  /**
   * What the user asked for (RunRecord.intentHash): the grid hash, or for one level of a
   * sweep or search the search's own hash (PlanOptions.intent). Resume checks it.
   */
  intentHash: string;
  /** The settings behind the hash, as the run line stores them, so a refused resume can say what differs. */
  settings: Record<string, unknown>;
  overrides: AppliedOverride[];
  ignored: IgnoredOverride[];
  cells: Cell[];
  /** Every request in the order the runner sends them (before resume drops the stored ones). */
  requests: PlannedRequest[];
  interleave: InterleaveMode;
  /** Why this schedule (default-interleave.ts): 'asked for', or why compared loads alternate or run one after the other. */
  interleaveReason: string;
  /** 'set#prompt' when a load run asked for by the overrides was narrowed to the grid's first prompt (PlanOverrides.load); else null. */
  onePrompt: string | null;
}

export interface PlanOptions {
  /** What the caller asks on top of the grid (CLI flags, notebook options), applied before the workshop variables. */
  overrides?: PlanOverrides;
  /** Workshop variables (BENCH_*); default {} (none): pass process.env to apply them. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Prompt sets grids may name; default loadPromptLibrary(). */
  library?: readonly PromptSet[];
  interleave?: InterleaveMode;
  /** Check model names meant for the embedded service against this catalog (the CLI does; an unknown model then fails here). */
  catalog?: CatalogFile;
  /** Names the grid in errors. */
  file?: string;
  /** Free memory the default schedule may count on (default: os.freemem()); see default-interleave.ts. */
  availableBytes?: number;
  /** The intent hash, when this plan is one level of a larger search (sweep, --find-max). */
  intent?: string;
}

export function planGrid(spec: GridSpec, o: PlanOptions = {}): Plan {
  const { spec: withEnv, applied, ignored } = envOverrides(applyOverrides(spec, o.overrides), o.env ?? {});
  // The one validation of a run: the grid as it will run, flags and variables applied.
  const valid = validateGrid(withEnv, { catalog: o.catalog, file: applied.length ? envOverriddenName(o.file) : o.file });
  const library = o.library ?? loadPromptLibrary();
  const parts = { library, interleave: o.interleave, catalog: o.catalog, availableBytes: o.availableBytes, intent: o.intent, overrides: applied, ignored, onePrompt: null };
  const cells = expandValidGrid(valid, library);
  if (wantsOnePrompt(o.overrides) && new Set(cells.map((c) => `${c.promptSetId}#${c.promptId}`)).size > 1) {
    const onePrompt = `${cells[0].promptSetId}#${cells[0].promptId}`;
    return planValidGrid({ ...valid, prompts: [onePrompt] }, { ...parts, onePrompt });
  }
  return planValidGrid(valid, { ...parts, cells });
}
