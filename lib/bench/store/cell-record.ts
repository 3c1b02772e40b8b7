/**
 * `{type:'cell'}`: one line per cell after its last measured request (the runner writes it
 * once per (gridHash, cellId)): rounds by outcome, determinism, the model served and its
 * graph hash, peak memory of the serving process. The statistics are not here: analysis
 * computes them from the request lines (one place, lib/analysis).
 */
import type { ProviderName } from '../../engine/providers';

export interface CellSummaryRecord {
  type: 'cell';
  runId: string;
  gridHash: string;
  cellId: string;
  endpoint: string;
  model: string;
  modelId: string | null;
  /** sha256 of the model's .onnx graph (not its external data file); null for URL endpoints or when unknown. */
  modelFileHash: string | null;
  provider: ProviderName;
  /** issue 23: set for engines other than ONNX Runtime ('llama.cpp'). */
  engine?: string;
  precision: string;
  promptSetId: string;
  promptId: string;
  temperature: number;
  rounds: { ok: number; error: number; skipped: number };
  /** temperature 0: every ok measured round has the same outputSha256; null otherwise or with no ok round. */
  deterministic: boolean | null;
  /** Distinct output hashes among ok measured rounds. */
  distinctOutputs: number;
  /**
   * Peak RSS of the CALLER (the runner's own process: the CLI or the notebook kernel), not of
   * the model: the model runs in its own engine process, see `memory`.
   */
  peakRssBytes: number | null;
  /** Memory of the processes that served the cell (absent in lines written before it existed). */
  memory?: CellMemory;
  /** How busy the machine was while the cell ran (absent in lines written before it existed). */
  load?: CellLoad;
  finishedAt: string;
}

/**
 * Whose memory is whose, from the cell's first request to its last (lib/bench/runner/process-sampler.ts).
 * Bytes; RSS counts shared pages (the mapped model file) in every process that maps them.
 */
export interface CellMemory {
  /** The model's engine process (null: not measured, see notMeasured). */
  modelProcess: {
    pid: number;
    /** max(largest sampled VmRSS, VmHWM): the engine process's peak resident memory, loading included. */
    peakRssBytes: number;
    sampledPeakRssBytes: number;
    hwmBytes: number;
    /** Largest proportional set size (smaps_rollup Pss); null where unreadable. */
    pssBytes: number | null;
    /** Largest unique set size (Private_Clean + Private_Dirty); null where unreadable. */
    ussBytes: number | null;
  } | null;
  /** The service process (for the embedded service: the caller's own process). */
  serviceProcess: { pid: number; peakRssBytes: number } | null;
  /** The caller's (this runner's) largest RSS while the cell ran. */
  callerPeakRssBytes: number;
  /** Size of the model's files on disk (graph and weights). */
  modelFileBytes: number | null;
  /** Why modelProcess is null ("not measured here: ..."), else null. */
  notMeasured: string | null;
}

/** The machine's load at the cell's first request (before) and after its last (lib/util/proc/load.ts). */
export interface CellLoad {
  before: LoadPoint;
  after: LoadPoint;
  /** Percent of all CPU time stolen by the hypervisor between the two (null: unknown). */
  stealPercent: number | null;
  /** Percent of all CPU time busy on the whole machine between the two (null: unknown). */
  busyPercent: number | null;
  logicalCores: number;
  /** The 1-minute load was above half the logical cores before or after: the figures are not a quiet machine's. */
  underLoad: boolean;
}

export interface LoadPoint {
  at: string;
  /** 1-minute load average. */
  load1: number | null;
  /** /proc/pressure/cpu "some avg10" (percent); null where absent. */
  cpuPressureSome10: number | null;
}

/** Why `v` is not a cell line, or null. */
export function cellRecordProblem(v: Record<string, unknown>): string | null {
  for (const k of ['runId', 'gridHash', 'cellId', 'model'] as const) if (typeof v[k] !== 'string') return `cell line: ${k} is not a string`;
  const r = v.rounds as Record<string, unknown> | undefined;
  if (!r || typeof r.ok !== 'number' || typeof r.error !== 'number' || typeof r.skipped !== 'number') return 'cell line: rounds is not {ok, error, skipped}';
  return null;
}
