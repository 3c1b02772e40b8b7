/**
 * The lesson's parameters as a table, with the workshop variables (BENCH_*, SLM_ALIAS, ...)
 * that change them: a student sees at once when the environment, not the notebook, set a value.
 *
 *   showParameters({ models, rounds, maxTokens }, grid.applyEnvOverrides(spec, process.env));
 */
import type { AppliedOverride, IgnoredOverride } from '../bench/grid';
import { show } from './show';

export interface OverrideReport { applied: readonly AppliedOverride[]; ignored?: readonly IgnoredOverride[] }

export function parameterRows(params: Record<string, unknown>, overrides?: OverrideReport): Array<Record<string, string>> {
  const rows = Object.entries(params).map(([name, value]) => ({ parameter: name, value: typeof value === 'string' ? value : JSON.stringify(value), 'set by': 'notebook' }));
  for (const o of overrides?.applied ?? []) rows.push({ parameter: String(o.field), value: o.effect, 'set by': `${o.variable}=${o.value}` });
  for (const o of overrides?.ignored ?? []) rows.push({ parameter: '(not applied)', value: o.reason, 'set by': `${o.variable}=${o.value}` });
  return rows;
}

export function showParameters(params: Record<string, unknown>, overrides?: OverrideReport): void {
  const n = overrides?.applied.length ?? 0;
  show(parameterRows(params, overrides), {
    maxRows: 100,
    caption: n > 0 ? `${n} workshop variable(s) from the environment override the notebook's values` : 'no BENCH_* / SLM_ALIAS / LLM_ALIAS variable is set: the notebook\'s values apply',
  });
}
