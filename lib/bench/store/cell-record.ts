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
  peakRssBytes: number | null;
  finishedAt: string;
}

/** Why `v` is not a cell line, or null. */
export function cellRecordProblem(v: Record<string, unknown>): string | null {
  for (const k of ['runId', 'gridHash', 'cellId', 'model'] as const) if (typeof v[k] !== 'string') return `cell line: ${k} is not a string`;
  const r = v.rounds as Record<string, unknown> | undefined;
  if (!r || typeof r.ok !== 'number' || typeof r.error !== 'number' || typeof r.skipped !== 'number') return 'cell line: rounds is not {ok, error, skipped}';
  return null;
}
