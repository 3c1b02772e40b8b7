/**
 * `slmlab report <results.jsonl> [--out DIR] [--title T]`: rebuild a report (report.html,
 * summary.md, results.csv, results.jsonl, env.json) from a results file alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { writeReport } from '../../lib/report/write-report';

export function registerReport(program: Command): void {
  program
    .command('report <results>')
    .description('build report.html, summary.md, results.csv, results.jsonl and env.json from a results file')
    .option('--out <dir>', "output folder (default: the results file's folder)")
    .option('--title <text>', 'report title')
    .action((results: string, o: { out?: string; title?: string }) => {
      if (!fs.existsSync(results)) {
        process.stderr.write(`slmlab: error: results file not found: ${results} (run \`slmlab bench\` first)\n`);
        process.exit(3);
      }
      const p = writeReport(results, o.out ?? path.dirname(results), { title: o.title });
      process.stdout.write(`report: ${p.html}\n  summary.md, results.csv, results.jsonl, env.json in ${p.dir}\n`);
    });
}
