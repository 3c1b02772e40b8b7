/**
 * `slmlab report <results.jsonl> [--out DIR] [--title T] [--slo ...]`: rebuild a report
 * (report.html, summary.md, results.csv, results.jsonl, env.json) from a results file alone.
 * Writes only into its output folder, and nothing at all when the input holds no results or
 * the folder holds another results.jsonl (lib/report/write-report.ts).
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { writeReport } from '../../lib/report/write-report';
import { parseSlo } from '../../lib/bench/load/slo';
import { ReportInputError } from '../../lib/report/errors';
import { fail } from './exit-codes';

export function registerReport(program: Command): void {
  program
    .command('report <results>')
    .description('build report.html, summary.md, results.csv, results.jsonl and env.json from a results file')
    .addHelpText('after', '\nNot Foundry Local\'s `foundry report` (a diagnostics bundle of logs and system facts for a bug report): ' +
      'this builds a benchmark report. For the service\'s log, see `slmlab service logs`; for this machine\'s providers, `slmlab providers`.')
    .option('--out <dir>', "output folder (default: the results file's folder)")
    .option('--title <text>', 'report title')
    .option('--slo <objectives>', 'goodput objectives for load levels, in ms: ttft=500,tpot=50,e2e=10000')
    .option('--percentiles <list>', 'latency percentiles of the load-level table (default 50,90,95,99)')
    .action((results: string, o: { out?: string; title?: string; slo?: string; percentiles?: string }) => {
      try {
        const percentiles = o.percentiles?.split(',').map((s) => Number(s.trim()));
        if (percentiles?.some((p) => !(p >= 0 && p <= 100))) throw new ReportInputError('--percentiles: each must be from 0 to 100, e.g. 50,90,99');
        const p = writeReport(results, o.out ?? path.dirname(results), { title: o.title, slo: o.slo ? parseSlo(o.slo) : null, percentiles });
        process.stdout.write(`report: ${p.html}\n  summary.md, results.csv, results.jsonl, env.json in ${p.dir}\n`);
      } catch (e) {
        fail(e);
      }
    });
}
