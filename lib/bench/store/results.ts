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
  /** Requests a stopped run left in flight: not results, left out (a resume runs them again). */
  interrupted: { line: number; key: string }[];
}

/** One line saying what a reader left out of `r`, or null when it kept everything (issue 21). */
export function droppedSummary(r: ResultsFile): string | null {
  const parts: string[] = [];
  if (r.invalid.length) {
    const reasons = [...new Set(r.invalid.map((i) => i.reason))];
    parts.push(`${r.invalid.length} invalid line${r.invalid.length === 1 ? '' : 's'} (${reasons.slice(0, 3).join('; ')}${reasons.length > 3 ? '; …' : ''})`);
  }
  if (r.duplicates.length) parts.push(`${r.duplicates.length} repeated request key${r.duplicates.length === 1 ? '' : 's'}`);
  if (r.interrupted.length) parts.push(`${r.interrupted.length} interrupted request${r.interrupted.length === 1 ? '' : 's'} (run again on resume)`);
  if (r.truncated) parts.push('a partial last line');
  return parts.length ? `${r.file}: left out ${parts.join(', ')}` : null;
}

/** Every line of `file`, typed; a missing file reads as empty. */
export function readResults(file: string): ResultsFile {
  const r = readRecords(file);
  const out: ResultsFile = {
    file, requests: r.records, runs: [], cells: [], truncated: r.truncated, invalid: [...r.invalid], duplicates: r.duplicates, unknown: 0,
    interrupted: r.interrupted,
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
  // Request rows of a grid no run line of this file names (pasted in from another file) are not this file's results.
  if (out.runs.length) {
    const grids = new Set(out.runs.map((x) => x.gridHash));
    out.requests = out.requests.filter((q) => {
      if (grids.has(q.gridHash)) return true;
      out.invalid.push({ line: 0, reason: `gridHash ${q.gridHash} matches no run line of this file` });
      return false;
    });
  }
  return out;
}
