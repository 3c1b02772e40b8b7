/**
 * writeReport: rebuild a report from a results file alone. Writes report.html, summary.md,
 * results.csv, results.jsonl (a copy, unless the results file already is that file) and
 * env.json into outDir, each to a temporary name then renamed, so a reader never sees half a
 * file and a failure leaves no temporary files behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors';
import { compare, loadResults, summarizeResults, type LoadedResults } from '../analysis';
import type { ComparisonRow, SummaryRow } from '../analysis/types';
import { isMeasured, type CellSummaryRecord, type RequestRecord } from '../bench/store';
import { envJson, toCsv, toHtmlReport, toMarkdownSummary } from './export';

export interface WriteReportOptions {
  title?: string;
  /** Summary rows from the records; default analysis' summarizeResults(..., { by: 'setting' }). */
  summarize?: (requests: readonly RequestRecord[], cells: readonly CellSummaryRecord[]) => SummaryRow[];
  /** Comparison rows; default: analysis' compare() for every axis with more than one value. */
  compare?: (requests: readonly RequestRecord[]) => ComparisonRow[];
}

export interface ReportPaths {
  dir: string;
  html: string;
  markdown: string;
  csv: string;
  jsonl: string;
  env: string;
}

/** Every comparison the records allow: providers vs cpu, precisions vs fp32, models (by role when set). */
export function defaultComparisons(requests: readonly RequestRecord[]): ComparisonRow[] {
  const measured = requests.filter(isMeasured);
  const distinct = (f: (r: RequestRecord) => string | null) => new Set(measured.map(f).filter((v) => v !== null)).size;
  const out: ComparisonRow[] = [];
  const tryKind = (kind: 'provider' | 'precision' | 'model', baseline: string | undefined) => {
    try { out.push(...compare(requests, { kind, baseline })); } catch { /* no baseline on this axis: nothing to compare */ }
  };
  if (distinct((r) => r.provider) > 1) tryKind('provider', measured.some((r) => r.provider === 'cpu') ? 'cpu' : undefined);
  if (distinct((r) => r.precision) > 1 && measured.some((r) => r.precision === 'fp32')) tryKind('precision', 'fp32');
  if (distinct((r) => r.role) > 1) tryKind('model', 'llm');
  return out;
}

function writeAtomic(file: string, write: (tmp: string) => void, temps: string[]): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  temps.push(tmp);
  write(tmp);
  fs.renameSync(tmp, file);
  temps.splice(temps.indexOf(tmp), 1);
}

export function writeReport(resultsFile: string, outDir: string = path.dirname(resultsFile), options: WriteReportOptions = {}): ReportPaths {
  if (!fs.existsSync(resultsFile)) throw new UsageError(`results file not found: ${resultsFile} (run \`slmlab bench\` first, or give the path to a results.jsonl)`);
  const loaded: LoadedResults = loadResults(resultsFile);
  const summarize = options.summarize ?? ((rq, cells) => summarizeResults(rq, cells, { by: 'setting' }));
  const rows = summarize(loaded.requests, loaded.cells);
  const comparisons = (options.compare ?? defaultComparisons)(loaded.requests);
  const title = options.title ?? `slmlab report — ${path.basename(path.dirname(path.resolve(resultsFile)))}`;

  fs.mkdirSync(outDir, { recursive: true });
  const p: ReportPaths = {
    dir: outDir,
    html: path.join(outDir, 'report.html'), markdown: path.join(outDir, 'summary.md'), csv: path.join(outDir, 'results.csv'),
    jsonl: path.join(outDir, 'results.jsonl'), env: path.join(outDir, 'env.json'),
  };
  const temps: string[] = [];
  try {
    const text = (s: string) => (tmp: string) => fs.writeFileSync(tmp, s);
    writeAtomic(p.html, text(toHtmlReport({ title, rows, comparisons, requests: loaded.requests, cells: loaded.cells, runs: loaded.runs })), temps);
    writeAtomic(p.markdown, text(toMarkdownSummary(rows, { title })), temps);
    writeAtomic(p.csv, text(toCsv(loaded.requests.filter(isMeasured))), temps);
    if (path.resolve(resultsFile) !== path.resolve(p.jsonl)) writeAtomic(p.jsonl, (tmp) => fs.copyFileSync(resultsFile, tmp), temps);
    writeAtomic(p.env, text(envJson(loaded.runs)), temps);
  } finally {
    for (const t of temps) fs.rmSync(t, { force: true });
  }
  return p;
}
