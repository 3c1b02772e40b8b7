/**
 * The trusting half of planning: a spec planGrid has already validated (overrides and
 * workshop variables applied) -> cells (expand.ts) -> request order (schedule.ts) -> grid
 * hash. Nothing is checked again here. planGrid (plan-grid.ts) and planLevel (plan-level.ts)
 * end in it; nothing else should call it with a spec of its own.
 */
import { expandValidGrid, type Cell } from '../grid/expand';
import { hashedForm, sha256Hex, canonicalJson } from '../grid/hash';
import type { PromptSet } from '../grid/prompts';
import { schedule, type InterleaveMode } from '../grid/schedule';
import { resolveGrid, type GridSpec } from '../grid/spec';
import type { AppliedOverride, IgnoredOverride } from '../grid/env';
import type { CatalogFile } from '../../catalog/types';
import { loadCatalog } from '../../catalog/catalog';
import { defaultInterleave } from './default-interleave';
import type { Plan } from './plan-grid';

export interface ValidPlanParts {
  library: readonly PromptSet[];
  /** The cells of `spec`, when the caller has expanded it already. */
  cells?: Cell[];
  interleave?: InterleaveMode;
  catalog?: CatalogFile;
  availableBytes?: number;
  intent?: string;
  overrides: AppliedOverride[];
  ignored: IgnoredOverride[];
  onePrompt: string | null;
}

function defaultCatalog(): CatalogFile | undefined {
  try { return loadCatalog(); } catch { return undefined; }
}

/** The plan of a validated spec. */
export function planValidGrid(spec: GridSpec, o: ValidPlanParts): Plan {
  const cells = o.cells ?? expandValidGrid(spec, o.library);
  const choice = o.interleave ? { interleave: o.interleave, reason: 'asked for' } : defaultInterleave(cells, { catalog: o.catalog ?? defaultCatalog(), availableBytes: o.availableBytes });
  const interleave = choice.interleave;
  const resolved = resolveGrid(spec);
  const gridHash = cells[0]?.gridHash ?? sha256Hex(canonicalJson(hashedForm(resolved, o.library)));
  return {
    name: spec.name ?? 'grid', spec, gridHash, intentHash: o.intent ?? gridHash,
    settings: hashedForm(resolved), overrides: o.overrides, ignored: o.ignored, cells, requests: schedule(cells, { interleave }), interleave, interleaveReason: choice.reason,
    onePrompt: o.onePrompt,
  };
}
