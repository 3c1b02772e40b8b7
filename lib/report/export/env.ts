/**
 * envJson: the environment of the runs that produced a results file (machine and software
 * metadata, provider status, applied overrides), as pretty JSON.
 */
import type { RunRecord } from '../../bench/store';

export interface EnvReport {
  generatedAt: string;
  runs: Array<Pick<RunRecord, 'runId' | 'gridHash' | 'gridName' | 'startedAt' | 'machine' | 'providers' | 'overrides'>>;
}

export function environment(runs: readonly RunRecord[], now: Date = new Date()): EnvReport {
  return {
    generatedAt: now.toISOString(),
    runs: runs.map((r) => ({ runId: r.runId, gridHash: r.gridHash, gridName: r.gridName, startedAt: r.startedAt, machine: r.machine, providers: r.providers, overrides: r.overrides })),
  };
}

export function envJson(runs: readonly RunRecord[], now?: Date): string {
  return `${JSON.stringify(environment(runs, now), null, 2)}\n`;
}
