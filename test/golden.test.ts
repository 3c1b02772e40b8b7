/**
 * Golden files, in the style of Observable Plot's snapshot tests
 * (https://github.com/observablehq/plot/tree/main/test): one fixed results file
 * (test/fixtures/golden/results.jsonl: a rounds grid of two models with a skipped provider, and
 * two load levels with a failed request) goes through the real pipeline, and what users read
 * is compared, byte for byte, with the files in test/golden/:
 *   summary.md            writeReport's summary.md (summary table and load-level table)
 *   summary.txt           the summary as `slmlab bench` prints it (text renderer)
 *   summary.csv           the summary's data columns as CSV (the DataFrame's columns)
 *   levels.csv            the load levels' data columns as CSV (levelFrame's columns)
 *   levels.txt            the load levels as `slmlab bench` prints them
 *   report-tables.html    report.html's summary, load-level and comparison tables
 *   figures/<id>.json     every figure spec of report.html (plotly JSON)
 * Nothing in them depends on the machine or the clock (the bootstrap is seeded, the fixture's
 * times are fixed). After a change you mean, rewrite them with
 *   UPDATE_GOLDEN=1 node --test dist/test/golden.test.js
 * and review the diff.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatLevels, formatSummary, loadResults, summarizeLevels, summarizeResults } from '../lib/analysis';
import { writeReport } from '../lib/report/write-report';
import { defaultComparisons } from '../lib/report/write-report';
import { comparisonTableHtml, levelFigures, levelTableHtml, reportFigures, summaryTableHtml } from '../lib/report/export/html';
import { csvTable } from '../lib/report/export/csv';
import { COLUMNS } from '../lib/analysis/table/summary-table';
import { levelDataColumns } from '../lib/analysis/table/level-table';
import { parseSlo } from '../lib/bench/load/slo';
import { makeTempDir, removeTempDir } from './helpers/models';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'golden', 'results.jsonl');
const GOLDEN = path.join(ROOT, 'test', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const SLO = parseSlo('ttft=30');

/** Compare `actual` with the golden file `name` (or write it under UPDATE_GOLDEN=1). */
function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (UPDATE) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  assert.ok(fs.existsSync(file), `no golden file test/golden/${name}: run UPDATE_GOLDEN=1 node --test dist/test/golden.test.js`);
  const expected = fs.readFileSync(file, 'utf8');
  if (actual === expected) return;
  const a = actual.split('\n'), e = expected.split('\n');
  const i = a.findIndex((line, k) => line !== e[k]);
  const at = i === -1 ? e.length : i;
  // Long lines (an HTML table): show where they part, 40 characters either side.
  const la = a[at] ?? '(end of file)', le = e[at] ?? '(end of file)';
  let c = 0;
  while (c < la.length && la[c] === le[c]) c++;
  const cut = (l: string) => (l.length > 100 ? `…${l.slice(Math.max(0, c - 40), c + 40)}…` : l);
  assert.fail(`test/golden/${name} differs at line ${at + 1}, column ${c + 1}:\n  expected: ${cut(le)}\n  actual:   ${cut(la)}\n`
    + 'if the change is meant, rewrite the golden files with UPDATE_GOLDEN=1 node --test dist/test/golden.test.js and review the diff');
}

function load() {
  const loaded = loadResults(FIXTURE);
  assert.equal(loaded.dropped, null, 'the fixture is a clean results file');
  const rows = summarizeResults(loaded.requests, loaded.cells, { by: 'setting' });
  const levels = summarizeLevels(loaded.requests, { slo: SLO });
  return { loaded, rows, levels, comparisons: defaultComparisons(loaded.requests) };
}

test('golden: summary.md from a fixed results file', () => {
  const dir = makeTempDir();
  try {
    const out = path.join(dir, 'report');
    const p = writeReport(FIXTURE, out, { title: 'golden', slo: SLO });
    golden('summary.md', fs.readFileSync(p.markdown, 'utf8'));
  } finally { removeTempDir(dir); }
});

test('golden: the text tables slmlab bench prints', () => {
  const { rows, levels } = load();
  golden('summary.txt', `${formatSummary(rows)}\n`);
  golden('levels.txt', `${formatLevels(levels)}\n`);
});

test('golden: the summary and the load levels as CSV (their data columns, as their DataFrames have them)', () => {
  const { rows, levels } = load();
  golden('summary.csv', csvTable(COLUMNS, rows));
  golden('levels.csv', csvTable(levelDataColumns(levels), levels));
});

test("golden: report.html's tables", () => {
  const { rows, levels, comparisons } = load();
  assert.ok(comparisons.length > 0, 'the fixture has comparisons (two models)');
  golden('report-tables.html', [summaryTableHtml(rows), levelTableHtml(levels), comparisonTableHtml(comparisons)].join('\n') + '\n');
});

test('golden: the figure specs of report.html (plotly JSON)', () => {
  const { loaded, rows, levels, comparisons } = load();
  const input = { rows, comparisons, levels, slo: SLO, requests: loaded.requests, cells: loaded.cells };
  const figures = [...reportFigures(input), ...levelFigures(input)];
  assert.ok(figures.length >= 8, `${figures.length} figures`);
  const names = figures.map((f) => `${f.id}.json`).sort();
  if (!UPDATE) {
    const saved = fs.readdirSync(path.join(GOLDEN, 'figures')).sort();
    assert.deepEqual(names, saved, 'the same figures as the golden files');
  }
  for (const f of figures) golden(`figures/${f.id}.json`, `${JSON.stringify(f.figure, null, 1)}\n`);
});

test('load-level figures keep two engines apart: one curve and one set of boxes per engine, never joined', () => {
  const { loaded } = load();
  const onLoad = loaded.requests.filter((r) => r.mode === 'load');
  assert.ok(onLoad.length > 0, 'the fixture has load levels');
  // The same levels again as if run on llama.cpp (a grid with engines: [onnxruntime, llama.cpp]).
  const requests = [...loaded.requests, ...onLoad.map((r) => ({ ...r, engine: 'llama.cpp' as const, cellId: `${r.cellId}-llama`, ttftMs: r.ttftMs === null ? null : r.ttftMs * 3 }))];
  const levels = summarizeLevels(requests, { slo: SLO });
  const input = { rows: summarizeResults(requests, loaded.cells, { by: 'setting' }), comparisons: [], levels, slo: SLO, requests, cells: loaded.cells };
  const figs = new Map(levelFigures(input).map((f) => [f.id, f.figure]));
  const curve = figs.get('fig-level-e2e-throughput')!.data as Array<{ name: string; x: unknown[] }>;
  assert.deepEqual(curve.map((t) => t.name).sort(), ['tiny · llama.cpp · closed loop', 'tiny · onnxruntime · closed loop']);
  assert.equal(curve[0].x.length, curve[1].x.length, 'each engine has its own points, one per level');
  const boxes = figs.get('fig-level-ttft')!.data as Array<{ name: string; x: string[]; y: number[] }>;
  assert.deepEqual(boxes.map((b) => b.name).sort(), ['tiny · llama.cpp · closed loop', 'tiny · onnxruntime · closed loop'], 'one box trace per engine');
  assert.equal((figs.get('fig-level-ttft')!.layout as { boxmode?: string }).boxmode, 'group', 'side by side at each level');
  const levelCount = [...new Set(onLoad.map((r) => r.concurrency))].length;
  for (const b of boxes) assert.equal(new Set(b.x).size, levelCount, `${b.name}: a box per level`);
  const ort = boxes.find((b) => b.name.includes('onnxruntime'))!, llama = boxes.find((b) => b.name.includes('llama.cpp'))!;
  assert.notDeepEqual(ort.y, llama.y, 'each engine\'s own TTFTs');
});
