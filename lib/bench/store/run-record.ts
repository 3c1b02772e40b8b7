/**
 * `{type:'run'}`: one line per invocation that had work, written before its first request:
 * which grid, on which machine, with which overrides and provider probes, and how much work.
 */
import type { ProviderStatus } from '../../engine/providers';
import type { AppliedOverride } from '../grid/env';
import type { MachineMetadata } from '../metadata';

export interface RunRecord {
  type: 'run';
  runId: string;
  gridHash: string;
  /**
   * What the user asked for, hashed: the grid hash for a plain grid; for a sweep or a
   * --find-max search, the hash of the base grid and the search settings (its levels each
   * have their own gridHash). Resuming into a file whose runs have another intent is refused
   * (bench-resume.ts). Missing in files written before it existed: their gridHash stands in.
   */
  intentHash?: string;
  /** The grid's settings behind its hash (hashedForm), so a refused resume can say what differs. */
  settings?: Record<string, unknown>;
  gridName: string;
  startedAt: string;
  machine: MachineMetadata;
  overrides: AppliedOverride[];
  providers: ProviderStatus[];
  cells: number;
  requestsPlanned: number;
  requestsToRun: number;
  /** Load-generator processes (--workers); 1 when absent. */
  workers?: number;
  /** The schedule (grid/schedule.ts) and why it was chosen (plan/default-interleave.ts); absent in older files. */
  interleave?: string;
  interleaveReason?: string;
  /** The machine's load when the run started (lib/util/proc/load.ts); absent in older files. */
  loadAtStart?: { load1: number | null; cpuPressureSome10: number | null; logicalCores: number; busy: boolean };
}

/** Why `v` is not a run line, or null. */
export function runRecordProblem(v: Record<string, unknown>): string | null {
  for (const k of ['runId', 'gridHash'] as const) if (typeof v[k] !== 'string') return `run line: ${k} is not a string`;
  return null;
}

/** The intent a run line stands for (see RunRecord.intentHash). */
export const intentOf = (r: Pick<RunRecord, 'intentHash' | 'gridHash'>): string => r.intentHash ?? r.gridHash;
