/** Group keys: the settings that define a summary row or a comparison context. */
import type { RequestRecord } from '../bench/store';
import type { GroupKey } from './types';

export type GroupBy = 'cell' | 'setting';

/** The GroupKey of a request; promptId null when grouping by setting (across prompts). */
export function groupKeyOf(r: RequestRecord, by: GroupBy): GroupKey {
  return {
    endpoint: r.endpoint, model: r.model, modelId: r.modelId, provider: r.provider, precision: r.precision,
    threads: r.threads, maxTokens: r.maxTokens, temperature: r.temperature,
    promptId: by === 'cell' ? r.promptId : null,
  };
}

/**
 * A string identifying the group of `r`. modelId is left out (it is what the endpoint served,
 * not a setting: the row takes the first non-null one); promptSetId is in for 'cell'.
 */
export function groupId(r: RequestRecord, by: GroupBy): string {
  return JSON.stringify([r.endpoint, r.model, r.provider, r.precision, r.threads, r.maxTokens, r.temperature,
    by === 'cell' ? `${r.promptSetId}#${r.promptId}` : null]);
}
