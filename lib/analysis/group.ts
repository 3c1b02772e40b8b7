/** Group keys: the settings that define a summary row or a comparison context. */
import type { RequestRecord } from '../bench/store';
import { NUMERIC_AXES } from '../bench/grid/axes';
import type { GroupKey } from './types';

export type GroupBy = 'cell' | 'setting';

/** The numeric axes that make their own rows (axes.ts `grouped`): maxTokens, temperature, concurrency, rate, inputTokens. */
const GROUPED_AXES = NUMERIC_AXES.filter((a) => a.grouped).map((a) => a.key);

/** The GroupKey of a request; promptId null when grouping by setting (across prompts). */
export function groupKeyOf(r: RequestRecord, by: GroupBy): GroupKey {
  return {
    endpoint: r.endpoint, model: r.model, modelId: r.modelId, provider: r.provider, engine: r.engine ?? 'onnxruntime', precision: r.precision,
    threads: r.threads, maxTokens: r.maxTokens, temperature: r.temperature,
    concurrency: r.concurrency, rate: r.rate ?? null, inputTokens: r.inputTokens ?? null, mode: r.mode ?? 'rounds',
    logits: r.logits ?? 'all',
    promptId: by === 'cell' ? r.promptId : null,
  };
}

/**
 * A string identifying the group of `r`. modelId is left out (it is what the endpoint served,
 * not a setting: the row takes the first non-null one); promptSetId is in for 'cell'.
 */
export function groupId(r: RequestRecord, by: GroupBy): string {
  return JSON.stringify([r.endpoint, r.model, r.provider, ...(r.engine && r.engine !== 'onnxruntime' ? [r.engine] : []), r.precision, r.threads, r.logits ?? 'all', ...GROUPED_AXES.map((k) => r[k] ?? null),
    by === 'cell' ? `${r.promptSetId}#${r.promptId}` : null]);
}
