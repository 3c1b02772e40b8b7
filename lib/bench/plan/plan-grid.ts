/**
 * planGrid: everything about a benchmark decided before anything runs, once, in one place.
 *
 *   const plan = planGrid(loadGrid('default'), { env: process.env });
 *   console.log(formatDryRun(plan.cells));      // --dry-run
 *   await runPlan(plan, { resultsFile });        // the runner executes it, deciding nothing
 *
 * spec -> workshop overrides applied (env.ts) -> validated (with a catalog: model names
 * checked) -> cells (expand.ts) -> request order (schedule.ts) -> grid hash. Pure but for
 * one reading: without `interleave`, a grid comparing models alternates their requests when
 * their weights fit in the free memory (default-interleave.ts reads it); nothing is written
 * (the prompt library is read by the caller; loadPromptLibrary() when none is given).
 */
import { applyEnvOverrides, type AppliedOverride, type IgnoredOverride } from '../grid/env';
import { expandGrid, type Cell } from '../grid/expand';
import { hashedForm, sha256Hex, canonicalJson } from '../grid/hash';
import { loadPromptLibrary, type PromptSet } from '../grid/prompts';
import { schedule, type InterleaveMode, type PlannedRequest } from '../grid/schedule';
import { resolveGrid, type GridSpec } from '../grid/spec';
import type { CatalogFile } from '../../catalog/types';
import { loadCatalog } from '../../catalog/catalog';
import { defaultInterleave } from './default-interleave';

function defaultCatalog(): CatalogFile | undefined {
  try { return loadCatalog(); } catch { return undefined; }
}

export interface Plan {
  /** The grid's name (report folders, run lines). */
  name: string;
  /** The grid as run: the spec with the workshop overrides applied. */
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
}

export interface PlanOptions {
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
  const { spec: applied, applied: overrides, ignored } = applyEnvOverrides(spec, o.env ?? {}, { catalog: o.catalog, file: o.file });
  const library = o.library ?? loadPromptLibrary();
  const cells = expandGrid(applied, library);
  const choice = o.interleave ? { interleave: o.interleave, reason: 'asked for' } : defaultInterleave(cells, { catalog: o.catalog ?? defaultCatalog(), availableBytes: o.availableBytes });
  const interleave = choice.interleave;
  const gridHash = cells[0]?.gridHash ?? sha256Hex(canonicalJson(hashedForm(resolveGrid(applied), library)));
  return {
    name: applied.name ?? 'grid', spec: applied, gridHash, intentHash: o.intent ?? gridHash,
    settings: hashedForm(resolveGrid(applied)), overrides, ignored, cells, requests: schedule(cells, { interleave }), interleave, interleaveReason: choice.reason,
  };
}
