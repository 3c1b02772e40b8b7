/**
 * Each table is described once (lib/analysis/table/): every renderer — text, Markdown, HTML,
 * CSV, DataFrame — prints the columns it is given and names none itself; views only choose
 * columns. Notebook display lives in lib/lab/ only, with one progress display.
 * (The outputs themselves are pinned by golden.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatLevels, formatSummary, loadResults, summarizeLevels, summarizeResults, toFrame, frameOf, levelFrame } from '../lib/analysis';
import { column, pick, COLUMNS, SUMMARY_TABLE, summaryColumns, summaryTextColumns, levelColumns, levelDataColumns, renderText } from '../lib/analysis/table';
import type { SummaryRow } from '../lib/analysis/types';
import { markdownTable } from '../lib/report/export/markdown-table';
import { htmlTable } from '../lib/report/export/html-table';
import { csvTable } from '../lib/report/export/csv';
import { toMarkdownSummary } from '../lib/report/export/markdown';
import { summaryTableHtml } from '../lib/report/export/html';
import { notebookProgress } from '../lib/lab/progress';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'golden', 'results.jsonl');

function fixture() {
  const { requests, cells } = loadResults(FIXTURE);
  return { rows: summarizeResults(requests, cells, { by: 'setting' }), levels: summarizeLevels(requests, { slo: { ttftMs: 30 } }) };
}

test('every renderer prints the columns it is given: header and text (text, Markdown, HTML), name and value (CSV, DataFrame)', () => {
  type R = { a: number; b: string | null };
  const rows: R[] = [{ a: 1.25, b: 'x<y|z' }, { a: 2, b: null }];
  const cols = [
    column<R>({ name: 'a_ms', source: 'a', type: 'number', unit: 'ms', description: 'a', header: 'A (ms)', format: (r) => `${r.a} ms` }),
    column<R>({ name: 'b', type: 'string', description: 'b', header: 'B' }),
  ];
  assert.equal(renderText(cols, rows), 'A (ms)   B\n1.25 ms  x<y|z\n2 ms     -');
  assert.deepEqual(markdownTable(cols, rows), ['| A (ms) | B |', '| ---: | --- |', '| 1.25 ms | x&lt;y\\|z |', '| 2 ms | - |']);
  const html = htmlTable(cols, rows);
  assert.match(html, /<th class="num">A \(ms\)<\/th><th>B<\/th>/);
  assert.match(html, /<td class="num">1\.25 ms<\/td><td>x&lt;y\|z<\/td>/);
  assert.equal(csvTable(cols, rows), 'a_ms,b\n1.25,x<y|z\n2,\n');
  const df = frameOf(rows, cols);
  assert.deepEqual(df.columns, ['a_ms', 'b']);
  assert.deepEqual(df.getColumn('a_ms').toArray(), [1.25, 2]);
  assert.deepEqual(df.getColumn('b').toArray(), ['x<y|z', null]);
});

test('the summary table: one set of columns behind summary.md, report.html, the CLI text, CSV and the DataFrame', () => {
  const { rows } = fixture();
  const report = summaryColumns(rows);
  const md = toMarkdownSummary(rows).split('\n');
  assert.equal(md[0], markdownTable(report, rows)[0], "summary.md's header row is the columns' headers");
  const th = [...summaryTableHtml(rows).matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1].replace(/&amp;/g, '&'));
  assert.deepEqual(th, report.map((c) => c.header), "report.html's headers are the same columns'");
  // The CLI prints a view of the same columns: every header and every cell is one a column gives.
  const text = summaryTextColumns(rows);
  assert.ok(text.every((c) => SUMMARY_TABLE.includes(c)), 'the text view picks columns of the one table');
  assert.equal(formatSummary(rows).split('\n')[1].split(/\s{2,}/)[0], 'tiny (synthetic)', 'the CLI marks synthetic models as the report does');
  for (const name of ['ttft_ms_median', 'decode_tps_median', 'deterministic', 'model_peak_rss_mb', 'load_1m']) {
    const c = SUMMARY_TABLE.find((x) => x.name === name)!;
    assert.ok(report.includes(c) && text.includes(c), `${name}: one header and format in the report and the CLI`);
  }
  assert.deepEqual(toFrame(rows).columns, COLUMNS.map((c) => c.name));
  assert.equal(csvTable(COLUMNS, rows).split('\n')[0], COLUMNS.map((c) => c.name).join(','));
  // Columns only some rows need: Engine when a row ran on another engine, Load when rows differ in load.
  assert.ok(!report.some((c) => c.name === 'engine') && report.some((c) => c.name === 'load'));
  const llama: SummaryRow[] = rows.slice(0, 1).map((r) => ({ ...r, engine: 'llama.cpp' }));
  assert.deepEqual(summaryColumns(llama).map((c) => c.header).slice(0, 4), ['Model', 'Provider', 'Engine', 'Precision']);
  assert.throws(() => pick(SUMMARY_TABLE, ['model', 'no_such_column'], rows), /unknown column: no_such_column/);
});

test('the load-level table: one set of columns behind summary.md, report.html and the CLI text; the CLI shows the first and last percentile', () => {
  const { levels } = fixture();
  const all = levelColumns(levels);
  assert.ok(all.some((c) => c.header === 'TTFT ms (p50/p90/p95/p99)') && all.some((c) => c.header === 'Good tok/s'));
  const text = formatLevels(levels, [50, 90, 99]).split('\n')[0].split(/\s{2,}/);
  assert.deepEqual(text, levelColumns(levels, { percentiles: [50, 99] }).map((c) => c.header));
  assert.ok(text.includes('TTFT ms (p50/p99)'));
  const withoutSlo = levels.map((l) => ({ ...l, goodput: null }));
  assert.ok(!levelColumns(withoutSlo).some((c) => c.name.startsWith('good')), 'no SLO: no goodput columns');
  // The DataFrame: flat data columns, the same set with or without an SLO; shared columns are the printed ones.
  const df = levelFrame(levels);
  assert.deepEqual(df.columns, levelDataColumns(levels).map((c) => c.name));
  assert.deepEqual(levelFrame(withoutSlo).columns, df.columns);
  assert.deepEqual(df.getColumn('ttft_ms_p50').toArray(), levels.map((l) => l.ttftMs.p50));
  assert.deepEqual(df.getColumn('ok').toArray(), [6, 11]);
  const rps = all.find((c) => c.name === 'requests_per_second')!;
  assert.ok(levelDataColumns(levels).some((c) => c.name === rps.name && c.description === rps.description));
});

test('notebook display lives in lib/lab: nothing in lib/report reaches tslab', () => {
  const files: string[] = [];
  const walk = (d: string) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (e.name.endsWith('.ts')) files.push(p); } };
  walk(path.join(ROOT, 'lib', 'report'));
  const reaching = files.filter((f) => /require\.cache|lastWriteDisplayData|display_id|from '(\.\.\/)+lab\//.test(fs.readFileSync(f, 'utf8')));
  assert.deepEqual(reaching.map((f) => path.relative(ROOT, f)), []);
});

test('one progress display: a grid\'s progress prints through progress(), outside a kernel a line at the start and at the end', () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (s: string) => { lines.push(s); };
  try {
    const on = notebookProgress('grid', { minIntervalMs: 60_000 });
    on({ done: 1, total: 4, etaSeconds: 75, cell: 'tiny · cpu' });
    on({ done: 2, total: 4, etaSeconds: 50, cell: 'tiny · cpu' });
    on({ done: 4, total: 4, etaSeconds: 0, cell: 'tiny · cuda (skipped)' });
  } finally { console.log = log; }
  assert.deepEqual(lines, ['grid: 1/4 requests · ETA 1 min 15 s · tiny · cpu', 'grid: 4/4 requests · ETA done']);
});
