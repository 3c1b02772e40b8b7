/**
 * `slmlab start` (npm start): the main job on the embedded default. Benchmarks the synthetic
 * twins of the default grid (data/grids/default.json) on every execution provider, skipping
 * the ones this machine cannot use, and writes a report. Resumes an interrupted run.
 */
import type { Command } from 'commander';
import { runBench } from './bench';
import { fail } from './exit-codes';

export const DEFAULT_GRID = 'default';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('the main job: benchmark the default grid\'s synthetic twins on every usable provider, then write a report (reports/default/)')
    .option('--grid <grid>', 'grid file or shipped grid name', DEFAULT_GRID)
    .option('--out <dir>', 'report folder (default reports/<grid name>)')
    .option('--fresh', 'start a new run instead of resuming the previous one')
    .action(async (o: { grid: string; out?: string; fresh?: boolean }) => {
      try {
        const started = performance.now();
        process.stderr.write(`slmlab: benchmarking the '${o.grid}' grid (synthetic models are built on first use; unusable providers are skipped)\n`);
        // bench writes the report into the results folder (and fails when every cell failed).
        const outcome = await runBench(o.grid, { out: o.out, fresh: o.fresh, title: `slmlab — ${o.grid} grid` });
        if (!outcome.resultsFile) return;
        if (outcome.aborted) process.exit(130);
        if (outcome.report) process.stdout.write(`  summary.md, results.csv, results.jsonl, env.json in ${outcome.report.dir}\n`);
        process.stderr.write(`done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
      } catch (e) {
        fail(e);
      }
    });
}
