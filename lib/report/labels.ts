/**
 * How groups are named in legends, axes, titles and tables. Synthetic models (seeded random
 * weights: real speed, meaningless text) always carry " (synthetic)".
 */
import type { GroupKey, SummaryRow } from '../analysis/types';
import type { SyntheticModels } from './types';
import { modelLabel } from '../analysis/model-label';

export { modelLabel, SYNTHETIC_SUFFIX } from '../analysis/model-label';

/** Fallback when no SummaryRow says: the catalog's synthetic twins are named '<alias>-twin'. */
export function looksSynthetic(model: string): boolean {
  return /-twin(\b|$)/i.test(model) || /\bsynthetic\b/i.test(model);
}

export function isSynthetic(model: string, synthetic?: SyntheticModels): boolean {
  if (!synthetic) return looksSynthetic(model);
  return typeof synthetic === 'function' ? synthetic(model) : synthetic.has(model);
}

/** The set of synthetic model names according to summary rows. */
export function syntheticModelsOf(rows: readonly Pick<SummaryRow, 'model' | 'synthetic'>[]): Set<string> {
  return new Set(rows.filter((r) => r.synthetic).map((r) => r.model));
}

/** A group's label without its provider (the provider is the trace): "model (synthetic) int4 #prompt". */
export function groupLabel(key: Pick<GroupKey, 'model' | 'precision' | 'promptId'> & { engine?: string }, synthetic: boolean): string {
  let s = `${modelLabel(key.model, synthetic)} ${key.precision}`;
  if (key.engine && key.engine !== 'onnxruntime') s += ` ${key.engine}`; // issue 23
  if (key.promptId !== null) s += ` #${key.promptId}`;
  return s;
}

/** A group in full: "model (synthetic) int4 · cuda". */
export function fullGroupLabel(key: Pick<GroupKey, 'model' | 'precision' | 'promptId' | 'provider'>, synthetic: boolean): string {
  return `${groupLabel(key, synthetic)} · ${key.provider}`;
}

/** A provider's trace name: "webgpu (software adapter — correctness only, not GPU speed)" when its rows ran on a software adapter. */
export function providerTraceName(rows: readonly { provider: string; adapterNote?: string | null }[], provider: string): string {
  const note = rows.find((r) => r.provider === provider && r.adapterNote)?.adapterNote;
  return note ? `${provider} (${note})` : provider;
}
