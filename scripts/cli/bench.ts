/**
 * `slmlab bench [grid]`: run a benchmark grid (a grid file, or a shipped grid's name), append
 * its results to <out>/results.jsonl (resumable: re-running skips finished work), print the
 * analysis module's summary, and write the report (report.html, summary.md, results.csv,
 * env.json) into <out> unless --no-report.
 *
 * Load profiles: --concurrency and --rate make every cell a load level (closed loop of N
 * clients; open loop at R requests/s), --sweep runs GuideLLM's sweep, --find-max searches the
 * highest load meeting --slo. They run against the embedded service or any --endpoint URL.
 *
 * Precedence: the grid file, then the flags, then the workshop variables (BENCH_*,
 * FOUNDRY_LOCAL_ENDPOINT, ...), which are printed when they apply. A thin caller: the flags
 * become planGrid's overrides (planGrid applies and validates them, once), runProfilePlan runs
 * the plan (runPlan handles --fresh and resume), runVerdict decides the exit, this file renders.
 */
import { printable } from '../../lib/util/printable';
import * as path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { formatDryRun, formatOverrides, readGrid, ARRIVAL_PROCESSES, type ArrivalProcess } from '../../lib/bench/grid';
import { planGrid, type PlanOverrides } from '../../lib/bench/plan';
import { readResults } from '../../lib/bench/store';
import { runVerdict, type RunProgress } from '../../lib/bench/runner';
import { parseSlo, formatSlo, type Slo } from '../../lib/bench/load';
import { runProfilePlan, type Profile } from '../../lib/bench/run-profile';
import { formatLevels, formatSummary, summarizeLevels, summarizeResults } from '../../lib/analysis';
import { loadCatalog } from '../../lib/catalog';
import { writeReport, type ReportPaths } from '../../lib/report/write-report';
import { SlmlabError } from '../../lib/errors';
import { fail } from './exit-codes';
import { decimal, integer, oneOf } from './parse';

export interface BenchOptions {
  models?: string; providers?: string; engines?: string; prompts?: string; rounds?: number; warmup?: number; cooldown?: number; maxTokens?: number; endpoint?: string;
  concurrency?: string; rate?: string; arrivals?: ArrivalProcess; burstiness?: number; maxConcurrency?: number; inputTokens?: string;
  allowSoftwareGpu?: boolean; sweep?: boolean | number; findMax?: boolean | string; slo?: string; sloTarget?: number; percentiles?: string; workers?: number; timeout?: number;
  dryRun?: boolean; out?: string; json?: boolean;
  /** Start over: remove the results file instead of resuming it. */
  fresh?: boolean;
  /** Add to a results file that holds runs of other settings. */
  append?: boolean;
  /** commander's --no-report: false skips the report. */
  report?: boolean;
  /** Report title (slmlab start sets one). */
  title?: string;
}

/** A flag value that cannot be used (exit 2). */
class BenchUsageError extends SlmlabError {
  constructor(message: string) { super('invalid_request', message, 400); }
}

const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

function numbers(flag: string, v: string, o: { min: number; integer?: boolean }): number[] {
  return list(v).map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n) || n < o.min || (o.integer && !Number.isSafeInteger(n))) throw new BenchUsageError(`${flag}: expected a comma list of ${o.integer ? 'integers' : 'numbers'} >= ${o.min} such as 1,2,4,8, got '${s}'`);
    return n;
  });
}


/** The flags as planGrid's overrides: argv strings parsed here, applied and validated by planGrid. */
function overridesFromFlags(o: BenchOptions): PlanOverrides {
  return {
    models: o.models ? list(o.models) : undefined, providers: o.providers ? list(o.providers) : undefined, engines: o.engines ? list(o.engines) : undefined,
    prompts: o.prompts ? list(o.prompts) : undefined, rounds: o.rounds, warmup: o.warmup, cooldown: o.cooldown, maxTokens: o.maxTokens, endpoint: o.endpoint || undefined,
    concurrency: o.concurrency !== undefined ? numbers('--concurrency', o.concurrency, { min: 1, integer: true }) : undefined,
    rate: o.rate !== undefined ? numbers('--rate', o.rate, { min: 0.001 }) : undefined,
    arrivals: o.arrivals, burstiness: o.burstiness, maxConcurrency: o.maxConcurrency,
    inputTokens: o.inputTokens !== undefined ? numbers('--input-tokens', o.inputTokens, { min: 1, integer: true }) : undefined,
    load: o.concurrency !== undefined || o.rate !== undefined || o.sweep !== undefined || o.findMax !== undefined || o.cooldown !== undefined,
  };
}

function profileOf(o: BenchOptions, slo: Slo | null): Profile {
  if (o.sweep !== undefined && o.findMax !== undefined) throw new BenchUsageError('--sweep and --find-max are two profiles: give one');
  if (o.sweep !== undefined) return { kind: 'sweep', size: typeof o.sweep === 'number' ? o.sweep : undefined };
  if (o.findMax !== undefined) {
    if (!slo) throw new BenchUsageError('--find-max searches the highest load that meets an SLO: give one with --slo, e.g. --slo ttft=500,e2e=10000');
    const axis = typeof o.findMax === 'string' ? o.findMax : 'concurrency';
    if (axis !== 'concurrency' && axis !== 'rate') throw new BenchUsageError(`--find-max: search 'concurrency' or 'rate', got '${axis}'`);
    return { kind: 'find-max', axis, slo, target: o.sloTarget };
  }
  return { kind: 'grid' };
}

export function registerBench(program: Command): void {
  program
    .command('bench [grid]')
    .description('run a benchmark grid (file path or shipped grid name, default "default") or a load profile; results append to <out>/results.jsonl and resume; the report is written into <out>')
    .option('--models <list>', 'comma-separated models (replaces the grid\'s)')
    .option('--providers <list>', 'comma-separated execution providers: cpu,webgpu,cuda')
    .option('--allow-software-gpu', 'software adapter (SwiftShader) for webgpu when no GPU: correctness only, not GPU speed (SLMLAB_ALLOW_SOFTWARE_GPU=1)')
    .option('--engines <list>', 'comma-separated inference engines: onnxruntime,llama.cpp (the same weights as GGUF; `slmlab engines add llama.cpp` first)')
    .option('--prompts <list>', 'comma-separated prompt sets or set#prompt (load runs default to the first prompt)')
    .option('--rounds <n>', 'measured rounds per cell (load levels: requests per client, or in all at a rate)', integer('--rounds', 1, 100000))
    .option('--warmup <n>', 'warmup rounds per cell (load levels: per client, or in all at a rate)', integer('--warmup', 0, 100000))
    .option('--max-tokens <n>', 'max_tokens per request', integer('--max-tokens', 1, 1_000_000))
    .option('--endpoint <url>', 'OpenAI-compatible base URL instead of the embedded service (or "embedded")')
    .option('--concurrency <list>', 'load levels, closed loop: N clients each sending its next request when the last ends (e.g. 1,2,4,8)')
    .option('--rate <list>', 'load levels, open loop: requests per second (e.g. 0.5,1,2)')
    .option('--arrivals <kind>', `open-loop arrivals: ${ARRIVAL_PROCESSES.join(', ')} (default poisson)`, oneOf('--arrivals', ARRIVAL_PROCESSES))
    .option('--burstiness <k>', 'gamma arrivals with this shape (< 1 burstier than Poisson), as vLLM', decimal('--burstiness', 0.01, 100))
    .option('--max-concurrency <n>', 'open loop: cap on requests in flight', integer('--max-concurrency', 1, 100000))
    .option('--input-tokens <list>', 'synthetic prompts of about these token lengths instead of prompt sets (e.g. 128,512,2048)')
    .option('--cooldown <n>', 'load levels: requests per client (or in all) after the measured ones, left out of statistics', integer('--cooldown', 0, 100000))
    .option('--sweep [levels]', 'sweep profile: synchronous, max throughput, then rates between (default 10 levels)', integer('--sweep', 3, 100))
    .option('--find-max [axis]', 'search the highest concurrency (or rate) meeting --slo: double, then bisect')
    .option('--slo <objectives>', 'service-level objectives in ms for goodput, e.g. ttft=500,tpot=50,e2e=10000')
    .option('--slo-target <share>', '--find-max: share of requests that must meet the SLO (default 0.9)', decimal('--slo-target', 0.01, 1))
    .option('--percentiles <list>', 'latency percentiles to report (default 50,90,95,99)')
    .option('--workers <n>', 'spread each load level over N worker threads (their records are merged)', integer('--workers', 1, 64))
    .option('--timeout <ms>', 'client-side limit per request, ms', integer('--timeout', 1, 86_400_000))
    .option('--dry-run', 'list the cells and the work, run nothing')
    .option('--out <dir>', 'results and report folder (default reports/<grid name>)')
    .option('--fresh', 'start over instead of resuming the results file')
    .option('--append', 'add to a results file that holds runs of other settings')
    .option('--no-report', 'do not write the report into the output folder')
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (grid: string | undefined, o: BenchOptions) => {
      const outcome = await runBench(grid, o);
      if (outcome.aborted) process.exit(130);
    });
}

export interface BenchOutcome { resultsFile: string | null; aborted: boolean; report: ReportPaths | null }

/** Runs (or resumes) a grid or load profile with a progress bar, prints the summary, writes the report; `slmlab start` uses it too. */
export async function runBench(grid: string | undefined, o: BenchOptions): Promise<BenchOutcome> {
  const controller = new AbortController();
  const onSigint = () => { process.stderr.write('\nslmlab: stopping after the request in flight (results so far are kept; re-run to resume)\n'); controller.abort(); };
  if (o.allowSoftwareGpu) process.env.SLMLAB_ALLOW_SOFTWARE_GPU = '1';
  try {
    const slo = o.slo ? parseSlo(o.slo) : null;
    const percentiles = o.percentiles ? numbers('--percentiles', o.percentiles, { min: 0 }) : undefined;
    if (percentiles?.some((p) => p > 100)) throw new BenchUsageError('--percentiles: each must be from 0 to 100, e.g. 50,90,99');
    const profile = profileOf(o, slo);
    const { spec, file } = readGrid(grid ?? 'default');
    const catalog = loadCatalog(); // planGrid checks the models after the flags (an --endpoint may serve others)
    const plan = planGrid(spec, { env: process.env, catalog, file, overrides: overridesFromFlags(o) });
    if (plan.onePrompt) process.stderr.write(`slmlab: load levels use one prompt, ${plan.onePrompt} (choose with --prompts or --input-tokens)\n`);
    const printed = formatOverrides({ applied: plan.overrides, ignored: plan.ignored });
    if (printed) process.stderr.write(`${printed}\n`);
    if (o.dryRun) {
      const note = profile.kind === 'sweep' ? '\nsweep: a synchronous level, a throughput level, then open-loop rates between the two (levels are planned as the measurements come in)'
        : profile.kind === 'find-max' ? `\nfind-max: ${profile.axis} 1, 2, 4, ... until ${formatSlo(profile.slo)} fails, then bisect (levels are planned as the measurements come in)` : '';
      process.stdout.write(`${formatDryRun(plan.cells, { interleave: plan.interleave })}${note}\n`);
      return { resultsFile: null, aborted: false, report: null };
    }

    const resultsFile = path.resolve(o.out ?? path.join('reports', plan.name), 'results.jsonl');
    const bar = process.stderr.isTTY ? new cliProgress.SingleBar({
      stream: process.stderr, hideCursor: true,
      format: 'bench {bar} {percentage}% | {value}/{total} requests | ETA {etaText} | {label}',
    }, cliProgress.Presets.shades_classic) : null;
    let begun = false;
    const onProgress = (p: RunProgress) => {
      if (!bar) return;
      const payload = { label: p.cell, etaText: p.etaSeconds === null ? '?' : `${Math.round(p.etaSeconds)}s` };
      if (!begun) { bar.start(p.total, p.done, payload); begun = true; } else { bar.setTotal(p.total); bar.update(p.done, payload); }
    };
    process.once('SIGINT', onSigint);
    let warned = false; // a profile runs one plan per level: say "busy" once
    const result = await runProfilePlan(plan, profile, {
      resultsFile, signal: controller.signal, onProgress, onWarning: (w) => { if (!warned) { warned = true; process.stderr.write(`slmlab: ${w}\n`); } }, workers: o.workers, requestTimeoutMs: o.timeout,
      fresh: o.fresh, append: o.append, freshHint: '--fresh', appendHint: '--append', plan: { catalog }, levels: { percentiles, slo },
    });
    if (begun) bar?.stop();
    process.removeListener('SIGINT', onSigint);

    // What this invocation's plans cover, read back from the file (the analysis module summarises it, once).
    const hashes = new Set(result.runs.map((r) => r.gridHash));
    const stored = readResults(resultsFile);
    const mine = stored.requests.filter((r) => hashes.has(r.gridHash));
    const rows = summarizeResults(mine, stored.cells, { by: 'cell' });
    const levels = summarizeLevels(mine, { percentiles, slo });
    const upToDate = result.runs.every((r) => r.upToDate);
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ resultsFile, gridHashes: [...hashes], runIds: result.runs.map((r) => r.runId).filter(Boolean), aborted: result.aborted, upToDate,
        cells: rows, levels, sweep: result.sweep ?? null, findMax: result.findMax ?? null, warnings: result.warnings }, null, 2)}\n`);
    } else {
      if (upToDate) process.stderr.write('nothing left to run: every request of this grid is already in the results file\n');
      process.stdout.write(`${levels.length ? formatLevels(levels, percentiles ? [percentiles[0], percentiles[percentiles.length - 1]] : [50, 99]) : formatSummary(rows)}\n`);
      if (slo) process.stdout.write(`SLO: ${formatSlo(slo)}\n`);
      if (result.findMax) {
        const f = result.findMax;
        const steps = f.steps.map((s) => `${s.load} ${s.verdict}${s.share ? ` (${(100 * s.share.p).toFixed(0)} % good)` : ''}`).join(', ');
        process.stdout.write(`find-max: ${f.best === null ? `even the first level fails the SLO` : `highest ${profile.kind === 'find-max' ? profile.axis : ''} meeting the SLO: ${f.best}`}${f.firstFail !== null ? ` (fails at ${f.firstFail})` : ''}\n  levels tried: ${steps}\n`);
      }
      process.stdout.write(`\nresults: ${resultsFile}\n`);
    }
    for (const w of result.warnings) process.stderr.write(`slmlab: ${printable(w)}\n`);
    if (result.aborted) process.stderr.write('interrupted; re-run the same command to resume\n');

    let report: ReportPaths | null = null;
    if (o.report !== false && mine.length > 0) {
      report = writeReport(resultsFile, path.dirname(resultsFile), { title: o.title ?? `slmlab — ${plan.name}`, slo, percentiles });
      if (!o.json) process.stdout.write(`report: ${report.html}\n`);
    }

    const verdict = runVerdict(mine, { aborted: result.aborted });
    if (verdict.error) throw verdict.error;
    return { resultsFile, aborted: result.aborted, report };
  } catch (e) {
    process.removeListener('SIGINT', onSigint);
    fail(e);
  }
}
