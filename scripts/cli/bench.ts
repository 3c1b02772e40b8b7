/**
 * `slmlab bench [grid]`: run a benchmark grid (a grid file, or a shipped grid's name) and
 * append its results to <out>/results.jsonl (resumable: re-running skips finished work).
 * Precedence: the grid file, then the flags, then the workshop variables (BENCH_*,
 * FOUNDRY_LOCAL_ENDPOINT, ...), which are printed when they apply.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { applyEnvOverrides, expandGrid, formatDryRun, formatOverrides, loadGrid, loadPromptLibrary, type GridSpec } from '../../lib/bench/grid';
import { cellKey, readRecords, type RequestRecord } from '../../lib/bench/store';
import { median } from '../../lib/bench/stats';
import { runGrid, type CellSummaryRecord } from '../../lib/bench/runner';
import { textTable } from '../../lib/util/text-table';
import { fail } from './exit-codes';
import { integer } from './parse';

export interface BenchOptions {
  models?: string; providers?: string; rounds?: number; maxTokens?: number; endpoint?: string;
  dryRun?: boolean; out?: string; json?: boolean;
  /** Start over: remove the results file instead of resuming it. */
  fresh?: boolean;
}

const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

export interface CellRow {
  cell: string; model: string; provider: string; prompt: string;
  medianTtftMs: number | null; medianDecodeTokensPerSecond: number | null; medianCompletionTokens: number | null;
  ok: number; skipped: number; error: number; deterministic: boolean | null;
}

/** One row per cell of the grid from the stored records (measured rounds only) and cell summaries. */
export function cellRows(file: string, gridHash: string, cells: ReturnType<typeof expandGrid>): CellRow[] {
  const { records, others } = readRecords(file);
  const byCell = new Map<string, RequestRecord[]>();
  for (const r of records) if (r.gridHash === gridHash && !r.warmup) byCell.set(cellKey(r), [...(byCell.get(cellKey(r)) ?? []), r]);
  const summaries = new Map<string, CellSummaryRecord>();
  for (const o of others) if ((o as { type: string }).type === 'cell') summaries.set(cellKey(o as unknown as CellSummaryRecord), o as unknown as CellSummaryRecord);
  return cells.map((c) => {
    const rs = byCell.get(cellKey(c)) ?? [];
    const ok = rs.filter((r) => r.status === 'ok');
    const nums = (f: (r: RequestRecord) => number | null) => ok.map(f).filter((x): x is number => typeof x === 'number');
    return {
      cell: c.cellId, model: c.model, provider: c.provider, prompt: `${c.promptSetId}#${c.promptId}`,
      medianTtftMs: median(nums((r) => r.ttftMs)), medianDecodeTokensPerSecond: median(nums((r) => r.decodeTokensPerSecond)),
      medianCompletionTokens: median(nums((r) => r.completionTokens)),
      ok: ok.length, skipped: rs.filter((r) => r.status === 'skipped').length, error: rs.filter((r) => r.status === 'error').length,
      deterministic: summaries.get(cellKey(c))?.deterministic ?? null,
    };
  });
}

const fmt = (v: number | null, digits = 1) => (v === null ? '-' : v.toFixed(digits));

export function formatCellRows(rows: readonly CellRow[]): string {
  return textTable(
    ['model', 'provider', 'prompt', 'TTFT ms (median)', 'decode tok/s (median)', 'completion tokens', 'ok/skipped/error', 'deterministic'],
    rows.map((r) => [r.model, r.provider, r.prompt, fmt(r.medianTtftMs), fmt(r.medianDecodeTokensPerSecond), fmt(r.medianCompletionTokens, 0),
      `${r.ok}/${r.skipped}/${r.error}`, r.deterministic === null ? '-' : r.deterministic ? 'yes' : 'NO']),
  );
}

export function registerBench(program: Command): void {
  program
    .command('bench [grid]')
    .description('run a benchmark grid (file path or shipped grid name, default "default"); results append to <out>/results.jsonl and resume')
    .option('--models <list>', 'comma-separated models (replaces the grid\'s)')
    .option('--providers <list>', 'comma-separated execution providers: cpu,webgpu,cuda')
    .option('--rounds <n>', 'measured rounds per cell', integer('--rounds', 1, 10000))
    .option('--max-tokens <n>', 'max_tokens per request', integer('--max-tokens', 1, 1_000_000))
    .option('--endpoint <url>', 'OpenAI-compatible base URL instead of the embedded service (or "embedded")')
    .option('--dry-run', 'list the cells and the work, run nothing')
    .option('--out <dir>', 'results folder (default reports/<grid name>)')
    .option('--fresh', 'start over instead of resuming the results file')
    .option('--json', 'print the per-cell summary as JSON on stdout')
    .action(async (grid: string | undefined, o: BenchOptions) => {
      const outcome = await runBench(grid, o);
      if (outcome.aborted) process.exit(130);
      if (outcome.allFailed) process.exit(1);
    });
}

export interface BenchOutcome { resultsFile: string | null; aborted: boolean; allFailed: boolean }

/** Runs (or resumes) a grid with a progress bar and prints the per-cell summary; `slmlab start` uses it too. */
export async function runBench(grid: string | undefined, o: BenchOptions): Promise<BenchOutcome> {
  const controller = new AbortController();
  const onSigint = () => { process.stderr.write('\nslmlab: stopping after the request in flight (results so far are kept; re-run to resume)\n'); controller.abort(); };
  try {
    let spec: GridSpec = loadGrid(grid ?? 'default');
    spec = {
      ...spec,
      ...(o.models ? { models: list(o.models), compare: undefined } : {}),
      ...(o.providers ? { providers: list(o.providers) } : {}),
      ...(o.rounds !== undefined ? { rounds: o.rounds } : {}),
      ...(o.maxTokens !== undefined ? { maxTokens: o.maxTokens } : {}),
      ...(o.endpoint ? { endpoints: [o.endpoint] } : {}),
    };
    const env = applyEnvOverrides(spec, process.env);
    const printed = formatOverrides(env);
    if (printed) process.stderr.write(`${printed}\n`);
    const cells = expandGrid(env.spec, loadPromptLibrary());
    if (o.dryRun) { process.stdout.write(`${formatDryRun(cells)}\n`); return { resultsFile: null, aborted: false, allFailed: false }; }

    const name = env.spec.name ?? 'grid';
    const resultsFile = path.resolve(o.out ?? path.join('reports', name), 'results.jsonl');
    if (o.fresh) fs.rmSync(resultsFile, { force: true });
    const bar = process.stderr.isTTY ? new cliProgress.SingleBar({
      stream: process.stderr, hideCursor: true,
      format: 'bench {bar} {percentage}% | {value}/{total} requests | ETA {etaText} | {label}',
    }, cliProgress.Presets.shades_classic) : null;
    let begun = false;
    process.once('SIGINT', onSigint);
    const result = await runGrid(spec, {
      resultsFile, env: process.env, signal: controller.signal,
      onProgress: (p) => {
        if (!bar) return;
        const payload = { label: p.cell, etaText: p.etaSeconds === null ? '?' : `${Math.round(p.etaSeconds)}s` };
        if (!begun) { bar.start(p.total, p.done, payload); begun = true; } else bar.update(p.done, payload);
      },
    });
    if (begun) bar?.stop();
    process.removeListener('SIGINT', onSigint);

    const rows = cellRows(resultsFile, result.gridHash, result.cells);
    if (o.json) process.stdout.write(`${JSON.stringify({ resultsFile, gridHash: result.gridHash, runId: result.runId, aborted: result.aborted, upToDate: result.upToDate, cells: rows }, null, 2)}\n`);
    else {
      if (result.upToDate) process.stderr.write('nothing left to run: every request of this grid is already in the results file\n');
      process.stdout.write(`${formatCellRows(rows)}\n\nresults: ${resultsFile}\n`);
    }
    if (result.aborted) process.stderr.write('interrupted; re-run the same command to resume\n');
    const allFailed = rows.length > 0 && rows.every((r) => r.ok === 0 && r.error > 0);
    if (allFailed) process.stderr.write('slmlab: every cell failed (see the reason field in the results)\n');
    return { resultsFile, aborted: result.aborted, allFailed };
  } catch (e) {
    process.removeListener('SIGINT', onSigint);
    fail(e);
  }
}
