/**
 * writeReport: rebuild a report from a results file alone. Writes report.html, summary.md,
 * results.csv, results.jsonl (a copy, unless the results file already is that file) and
 * env.json into outDir, each to a temporary name then renamed, so a reader never sees half a
 * file and a failure leaves no temporary files behind.
 *
 * Refuses, writing nothing, when: the input does not exist (ResultsNotFoundError); it holds
 * no valid request line (ReportInputError: `slmlab report /etc/passwd` must not write into
 * /etc); outDir exists and is not a folder; or outDir already holds a results.jsonl that is
 * not the input (a subset's report must not replace its folder's results), unless replaceResults.
 *
 * Load-mode results add the load-level table (throughput, percentiles, goodput under
 * `slo`) and the serving figures: latency vs throughput, goodput vs load, TTFT and ITL per level.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { compare, loadResults, summarizeLevels, summarizeResults, type LoadedResults } from '../analysis';
import type { Slo } from '../bench/load/slo';
import { ReportInputError, ResultsNotFoundError } from './errors';
import type { ComparisonRow, SummaryRow } from '../analysis/types';
import { isMeasured, type CellSummaryRecord, type RequestRecord } from '../bench/store';
import { envJson, toCsv, toHtmlReport, toMarkdownSummary } from './export';

export interface WriteReportOptions {
  title?: string;
  /** Summary rows from the records; default analysis' summarizeResults(..., { by: 'setting' }). */
  summarize?: (requests: readonly RequestRecord[], cells: readonly CellSummaryRecord[]) => SummaryRow[];
  /** Comparison rows; default: analysis' compare() for every axis with more than one value. */
  compare?: (requests: readonly RequestRecord[]) => ComparisonRow[];
  /** Goodput objectives for the load-level table (bench --slo). */
  slo?: Slo | null;
  /** Latency percentiles of the load-level table (default 50, 90, 95, 99). */
  percentiles?: readonly number[];
  /**
   * Replace outDir's results.jsonl when it is not the input (default false: refuse). For a caller
   * that owns outDir and whose previous report copied the input there (a notebook's exportReport
   * re-run on the same checkout).
   */
  replaceResults?: boolean;
}

export interface ReportPaths {
  dir: string;
  html: string;
  markdown: string;
  csv: string;
  jsonl: string;
  env: string;
}

/** The model with the lowest median decode rate: the baseline models are compared against when no roles say which is the large one. */
function slowestModel(rs: readonly RequestRecord[]): string | undefined {
  const rates = new Map<string, number[]>();
  for (const r of rs) if (r.status === 'ok' && typeof r.decodeTokensPerSecond === 'number') rates.set(r.model, [...(rates.get(r.model) ?? []), r.decodeTokensPerSecond]);
  const med = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]; };
  return [...rates].sort((a, b) => med(a[1]) - med(b[1]))[0]?.[0];
}

/** Every comparison the records allow: providers vs cpu, precisions vs fp32, models (by role when set, else against the slowest). */
export function defaultComparisons(requests: readonly RequestRecord[]): ComparisonRow[] {
  const measured = requests.filter(isMeasured);
  const distinct = (f: (r: RequestRecord) => string | null) => new Set(measured.map(f).filter((v) => v !== null)).size;
  const out: ComparisonRow[] = [];
  const tryKind = (kind: 'provider' | 'precision' | 'model' | 'engine', baseline: string | undefined) => {
    try { out.push(...compare(requests, { kind, baseline })); } catch { /* no baseline on this axis: nothing to compare */ }
  };
  if (distinct((r) => r.provider) > 1) tryKind('provider', measured.some((r) => r.provider === 'cpu') ? 'cpu' : undefined);
  if (distinct((r) => r.precision) > 1 && measured.some((r) => r.precision === 'fp32')) tryKind('precision', 'fp32');
  if (distinct((r) => r.role) > 1) tryKind('model', 'llm');
  else if (distinct((r) => r.model) > 1) tryKind('model', slowestModel(measured));
  if (distinct((r) => r.engine ?? 'onnxruntime') > 1) tryKind('engine', 'onnxruntime'); // issue 23
  return out;
}

function writeAtomic(file: string, write: (tmp: string) => void, temps: string[]): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  temps.push(tmp);
  write(tmp);
  fs.renameSync(tmp, file);
  temps.splice(temps.indexOf(tmp), 1);
}

/** Same file (symlinks and hard links included)? */
function sameFile(a: string, b: string): boolean {
  try {
    const sa = fs.statSync(a), sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch { return path.resolve(a) === path.resolve(b); }
}

export function writeReport(resultsFile: string, outDir: string = path.dirname(resultsFile), options: WriteReportOptions = {}): ReportPaths {
  let stat: fs.Stats;
  try { stat = fs.statSync(resultsFile); } catch {
    throw new ResultsNotFoundError(`results file not found: ${resultsFile} (run \`slmlab bench\` first, or give the path to a results.jsonl)`);
  }
  if (!stat.isFile()) throw new ReportInputError(`${resultsFile} is not a file: give the path to a results.jsonl that \`slmlab bench\` wrote`);
  const loaded: LoadedResults = loadResults(resultsFile);
  if (loaded.requests.length === 0) {
    const why = loaded.invalid ? ` (${loaded.invalid} line${loaded.invalid === 1 ? '' : 's'} that are not slmlab results)` : '';
    throw new ReportInputError(`${resultsFile} holds no benchmark results${why}: give the results.jsonl that \`slmlab bench\` wrote; nothing was written`);
  }
  if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory()) throw new ReportInputError(`--out ${outDir} is not a folder: give a folder for the report`);
  const existing = path.join(outDir, 'results.jsonl');
  if (!options.replaceResults && fs.existsSync(existing) && !sameFile(existing, resultsFile)) {
    throw new ReportInputError(`${outDir} already holds a results.jsonl that is not ${resultsFile}: write this report elsewhere with --out DIR (nothing was written)`);
  }
  const summarize = options.summarize ?? ((rq, cells) => summarizeResults(rq, cells, { by: 'setting' }));
  const rows = summarize(loaded.requests, loaded.cells);
  const comparisons = (options.compare ?? defaultComparisons)(loaded.requests);
  const levels = summarizeLevels(loaded.requests, { slo: options.slo ?? null, percentiles: options.percentiles });
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
    writeAtomic(p.html, text(toHtmlReport({ title, rows, comparisons, levels, slo: options.slo ?? null, requests: loaded.requests, cells: loaded.cells, runs: loaded.runs })), temps);
    writeAtomic(p.markdown, text(toMarkdownSummary(rows, { title, levels, slo: options.slo ?? null })), temps);
    writeAtomic(p.csv, text(toCsv(loaded.requests.filter(isMeasured))), temps);
    if (!sameFile(resultsFile, p.jsonl)) writeAtomic(p.jsonl, (tmp) => fs.copyFileSync(resultsFile, tmp), temps);
    writeAtomic(p.env, text(envJson(loaded.runs)), temps);
  } finally {
    for (const t of temps) fs.rmSync(t, { force: true });
  }
  return p;
}
