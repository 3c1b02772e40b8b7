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

/** What else tells two groups apart (GroupKey, lib/analysis/types.ts): read from summary rows and request records alike. */
export type GroupSettings = Pick<GroupKey, 'concurrency' | 'maxTokens' | 'temperature' | 'threads'> & { rate?: number | null; inputTokens?: number | null; logits?: string | null; endpoint?: string; mode?: 'rounds' | 'load' };

const SETTING_PARTS: ReadonlyArray<(k: GroupSettings) => string | null> = [
  (k) => (k.endpoint === undefined || k.endpoint === 'embedded' ? null : `@${k.endpoint}`),
  (k) => (k.mode === 'load' ? 'load' : null),
  (k) => (k.rate === null || k.rate === undefined ? `c=${k.concurrency}` : `${k.rate} req/s`),
  (k) => (k.inputTokens === null || k.inputTokens === undefined ? null : `${k.inputTokens} in`),
  (k) => `${k.maxTokens} tokens`,
  (k) => `${k.threads} threads`,
  (k) => `logits ${k.logits ?? 'all'}`,
  (k) => `T=${k.temperature}`,
];

/**
 * `label` extended, for the groups plotted together, by the settings they differ in (rounds or
 * load mode, load level,
 * input length, max tokens, threads, logits, temperature, endpoint): two groups never share a
 * category, e.g. "model (synthetic) int4 c=1" and "… c=4". Nothing is added where they agree.
 */
export function distinctLabels<K extends GroupSettings>(keys: readonly K[], label: (k: K) => string): (k: K) => string {
  const varying = SETTING_PARTS.filter((part) => new Set(keys.map(part)).size > 1);
  return (k) => [label(k), ...varying.map((part) => part(k)).filter((x): x is string => x !== null)].join(' ');
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
