/**
 * exportReport(): a lesson's report files from its results file, through report's writeReport,
 * with groups that never ran (a provider skipped on this machine) left out of the tables: the
 * notebook states each skipped provider once, instead of a "skipped: ..." row per model.
 *
 *   const paths = exportReport(resultsFile, outDir, { title: 'Session 3' });   paths.markdown, paths.csv
 *
 * The lesson owns outDir: a re-run (Restart & Run All, `npm run notebooks` twice) replaces the
 * results.jsonl copy its previous export left there, instead of refusing as `slmlab report` does.
 */
import { summarizeResults } from '../analysis';
import { writeReport, type ReportPaths } from '../report/write-report';

export function exportReport(resultsFile: string, outDir: string, options: { title?: string } = {}): ReportPaths {
  return writeReport(resultsFile, outDir, {
    title: options.title,
    replaceResults: true,
    summarize: (requests, cells) => summarizeResults(requests, cells, { by: 'setting' }).filter((r) => r.ok + r.errors > 0),
  });
}
