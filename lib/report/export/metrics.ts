/**
 * The metric definitions a report prints, taken from RECORD_FIELDS (record.ts) so they say
 * exactly what the runner measures.
 */
import { RECORD_FIELDS, type RequestRecord } from '../../bench/store/record';

export interface MetricDefinition { abbr: string; name: string; field: keyof RequestRecord; unit: string | null; definition: string }

const METRICS: ReadonlyArray<[string, string, keyof RequestRecord]> = [
  ['TTFT', 'Time to first token', 'ttftMs'],
  ['E2E', 'End-to-end latency', 'e2eMs'],
  ['TPOT', 'Time per output token', 'tpotMs'],
  ['ITL', 'Inter-token latency', 'itlMs'],
  ['decode tok/s', 'Decode speed', 'decodeTokensPerSecond'],
];

export function metricDefinitions(): MetricDefinition[] {
  return METRICS.map(([abbr, name, field]) => {
    const spec = RECORD_FIELDS.find((f) => f.name === field);
    return { abbr, name, field, unit: spec?.unit ?? null, definition: spec?.description ?? '' };
  });
}
