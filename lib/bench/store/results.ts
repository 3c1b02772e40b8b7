/**
 * readResults: a results file's every line type, typed. The one reader that analysis,
 * reports, the CLI and the runner's resume use; nothing downstream casts lines.
 *
 *   const { requests, runs, cells } = readResults('reports/default/results.jsonl');
 */
import { readRecords } from './jsonl';
import { cellRecordProblem, type CellSummaryRecord } from './cell-record';
import type { RequestRecord } from './record';
import { runRecordProblem, type RunRecord } from './run-record';

export interface ResultsFile {
  file: string;
  /** Request lines, first occurrence of each key, in file order, upgraded to the current record version. */
  requests: RequestRecord[];
  /** `{type:'run'}` lines, one per invocation that had work. */
  runs: RunRecord[];
  /** `{type:'cell'}` lines. */
  cells: CellSummaryRecord[];
  /** A final line without '\n' (a killed writer), ignored; null when the file ends whole. */
  truncated: { line: number; bytes: number; text: string } | null;
  /** Lines that are not JSON, or not valid lines of their type, ignored (line numbers from 1). */
  invalid: { line: number; reason: string }[];
  /** Request lines repeating a stored key, ignored. */
  duplicates: { line: number; key: string }[];
  /** Lines of a type this version does not know, kept out (a newer slmlab wrote them). */
  unknown: number;
}

/** Every line of `file`, typed; a missing file reads as empty. */
export function readResults(file: string): ResultsFile {
  const r = readRecords(file);
  const out: ResultsFile = {
    file, requests: r.records, runs: [], cells: [], truncated: r.truncated, invalid: [...r.invalid], duplicates: r.duplicates, unknown: 0,
  };
  for (const o of r.others) {
    const v = o as Record<string, unknown>;
    if (o.type === 'run') {
      const why = runRecordProblem(v);
      if (why) out.invalid.push({ line: 0, reason: why }); else out.runs.push(o as unknown as RunRecord);
    } else if (o.type === 'cell') {
      const why = cellRecordProblem(v);
      if (why) out.invalid.push({ line: 0, reason: why }); else out.cells.push(o as unknown as CellSummaryRecord);
    } else out.unknown++;
  }
  return out;
}
