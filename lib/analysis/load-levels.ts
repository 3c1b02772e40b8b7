/**
 * Load levels: one row per load-mode cell (one concurrency or rate level) with its group key
 * (model, endpoint, settings) and its statistics (lib/bench/load/level-stats.ts: throughput,
 * latency percentiles, goodput under an SLO, client lag).
 *
 *   const levels = summarizeLevels(loadResults(file).requests, { slo: parseSlo('ttft=500'), percentiles: [50, 99] });
 */
import type { RequestRecord } from '../bench/store';
import { levelStats, levelsOf, type LevelOptions, type LevelStats } from '../bench/load/level-stats';
import { groupKeyOf } from './group';
import type { GroupKey } from './types';

export type { LevelOptions, Distribution, Goodput } from '../bench/load/level-stats';
export { levelLabel } from '../bench/load/level-stats';

export interface LevelRow extends GroupKey, LevelStats {}

export function summarizeLevels(requests: readonly RequestRecord[], o: LevelOptions = {}): LevelRow[] {
  return levelsOf(requests).map((rs) => {
    const key = groupKeyOf(rs[0], 'setting');
    key.modelId = rs.find((r) => r.modelId)?.modelId ?? null;
    return { ...key, ...levelStats(rs, o) };
  });
}
