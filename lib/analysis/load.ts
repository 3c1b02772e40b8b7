/**
 * Reading a results file for analysis: request records, cell summaries and run metadata,
 * with what was ignored counted (a partial last line from a killed writer, invalid lines).
 */
import { droppedSummary, readResults, type CellSummaryRecord, type RequestRecord, type RunRecord } from '../bench/store';

export interface LoadedResults {
  file: string;
  /** Request records (warmups included: analysis leaves them out), in file order. */
  requests: RequestRecord[];
  /** `{type:'cell'}` summaries: determinism, distinct outputs, peak RSS per cell. */
  cells: CellSummaryRecord[];
  /** `{type:'run'}` metadata (machine, providers, overrides), one per invocation. */
  runs: RunRecord[];
  /** 1 when the file ended in a partial line (ignored), else 0. */
  truncated: number;
  /** Lines that were not JSON or not valid records (ignored). */
  invalid: number;
  /** Lines repeating a stored key (ignored). */
  duplicates: number;
  /** Requests a stopped run left in flight (ignored: not results). */
  interrupted: number;
  /** Why lines were ignored, one line (null when nothing was): what a report or notebook shows. */
  dropped: string | null;
}

export function loadResults(file: string): LoadedResults {
  const r = readResults(file);
  return {
    file, requests: r.requests, cells: r.cells, runs: r.runs,
    truncated: r.truncated ? 1 : 0, invalid: r.invalid.length, duplicates: r.duplicates.length,
    interrupted: r.interrupted.length, dropped: droppedSummary(r),
  };
}
