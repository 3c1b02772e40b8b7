import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { summarizeResults } from '../lib/analysis';
import type { ComparisonRow, SummaryRow } from '../lib/analysis/types';
import { RECORD_FIELDS, upgradeRecord, type RequestRecord } from '../lib/bench/store';
import {
  latencyBars, latencyThroughputScatter, speedupBars, toCsv, toHtmlReport,
  toJsonl, toMarkdownSummary, tokenTimeline, tokensPerSecondBars, ttftBox, writeReport,
} from '../lib/report';
import { displayBundle, PLOTLY_MIME, resetPlotlyInlined } from '../lib/lab/display';

/** A minimal RFC 4180 reader (quoted fields, doubled quotes, newlines inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []; let row: string[] = []; let field = ''; let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) { if (c === '"') { if (text[i + 1] === '"') { field += '"'; i++; } else q = false; } else field += c; }
    else if (c === '"') q = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
    else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

const EVIL = '<script>alert(1)</script>';
const TWIN = 'qwen2.5-0.5b-twin';

function rec(over: Partial<RequestRecord>): RequestRecord {
  return upgradeRecord({
    type: 'request', recordVersion: 1, gridHash: 'g'.repeat(64), cellId: '0123456789abcdef', warmup: false, round: 1, slot: 0, runId: 'run1',
    status: 'ok', reason: null, finishReason: 'stop', startedAt: '2025-01-01T00:00:00.000Z',
    ttftMs: 50, e2eMs: 250, tpotMs: 20, itlMs: [20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20],
    promptTokens: 12, completionTokens: 11, tokenSource: 'usage', decodeTokensPerSecond: 50,
    outputSha256: 'a'.repeat(64), outputText: 'hello', endpoint: 'embedded', model: TWIN, modelId: TWIN, provider: 'cpu',
    precision: 'int4', threads: 0, promptSetId: 'workshop', promptId: 'haiku', expected: null, maxTokens: 16, temperature: 0, seed: 0,
    stream: true, concurrency: 1, rounds: 3, warmupRounds: 0, role: null, ...over,
  } as RequestRecord);
}

/** 3 rounds × (twin cpu, twin cuda, evil cpu) + one skipped webgpu group. */
function records(): RequestRecord[] {
  const out: RequestRecord[] = [];
  for (let round = 1; round <= 3; round++) {
    out.push(rec({ round, cellId: 'c000000000000001', ttftMs: 50 + round, e2eMs: 250 + round, decodeTokensPerSecond: 50 - round }));
    out.push(rec({ round, cellId: 'c000000000000002', provider: 'cuda', ttftMs: 10 + round, e2eMs: 60 + round, tpotMs: 5, decodeTokensPerSecond: 200 + round, itlMs: [5, 5, 5] }));
    out.push(rec({ round, cellId: 'c000000000000003', model: EVIL, modelId: null, outputText: 'a, "quoted"\nline two', ttftMs: 70, e2eMs: 300 + round }));
    out.push(rec({ round, cellId: 'c000000000000004', provider: 'webgpu', status: 'skipped', reason: 'webgpu is not usable <b>here</b>', ttftMs: null, e2eMs: null, tpotMs: null, itlMs: [], decodeTokensPerSecond: null, completionTokens: null, outputText: null, outputSha256: null }));
  }
  return out;
}

const synthetic = (m: string) => m === TWIN;
const rows = (): SummaryRow[] => summarizeResults(records(), [], { by: 'setting', synthetic, stats: { resamples: 200, seed: 1 } });
const comparison: ComparisonRow = { kind: 'provider', label: 'cuda vs cpu', context: `model=${TWIN}`, metric: 'decodeTokensPerSecond', speedup: 4.2, low: 3.9, high: 4.5, method: 'paired', n: 3 };

test('latencyBars: one bar trace per provider, CI error bars, synthetic label', () => {
  const fig = latencyBars(rows(), { metric: 'ttftMs' });
  assert.deepEqual(fig.data.map((d) => d.name).sort(), ['cpu', 'cuda']);
  const cpu = fig.data.find((d) => d.name === 'cpu')!;
  assert.equal(cpu.type, 'bar');
  assert.ok((cpu.x as string[]).includes(`${TWIN} (synthetic) int4`));
  const err = cpu.error_y as { array: number[]; arrayminus: number[]; symmetric: boolean };
  assert.equal(err.symmetric, false);
  assert.equal(err.array.length, (cpu.y as number[]).length);
  assert.ok(err.array.some((v) => v > 0));
  assert.match(JSON.stringify(fig.layout.title), /Time to first token/);
  assert.match(JSON.stringify(fig.layout.title), /synthetic/);
});

test('ttftBox, tokensPerSecondBars, scatter and tokenTimeline have the expected traces', () => {
  const box = ttftBox(records(), { synthetic });
  assert.equal(box.data.length, 3);
  assert.ok(box.data.every((d) => d.type === 'box'));
  assert.ok(box.data.some((d) => d.name === `${TWIN} (synthetic) int4 · cuda`));
  assert.deepEqual(box.data.find((d) => d.name === `${TWIN} (synthetic) int4 · cuda`)!.y, [11, 12, 13]);
  const tps = tokensPerSecondBars(rows());
  assert.ok(tps.data.every((d) => d.type === 'bar' && d.error_y));
  const sc = latencyThroughputScatter(rows());
  assert.ok(sc.data.every((d) => d.type === 'scatter' && d.error_x && d.error_y));
  const tl = tokenTimeline(records()[0], { synthetic });
  assert.deepEqual(tl.data[0].x, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.match(JSON.stringify(tl.layout.title), /\(synthetic\)/);
});

test('speedupBars: CI whiskers and a reference line at 1x', () => {
  const fig = speedupBars([comparison, { ...comparison, kind: 'precision', label: 'int4 vs fp32', speedup: 1.8, low: null, high: null }]);
  assert.equal(fig.data.length, 2);
  const err = fig.data[0].error_y as { array: number[]; arrayminus: number[] };
  assert.ok(Math.abs(err.array[0] - 0.3) < 1e-9 && Math.abs(err.arrayminus[0] - 0.3) < 1e-9);
  const shapes = fig.layout.shapes as Array<{ y0: number; y1: number }>;
  assert.ok(shapes.some((s) => s.y0 === 1 && s.y1 === 1));
});

test('displayBundle: plotly MIME + HTML (plotly.js gzipped, once per process outside a kernel) + text', () => {
  resetPlotlyInlined();
  const a = displayBundle(latencyBars(rows()));
  const b = displayBundle(latencyBars(rows()));
  assert.ok(a.data[PLOTLY_MIME] && b.data[PLOTLY_MIME]);
  assert.match(String(a.data['text/html']), /\(function\(define,module,exports\)\{/);
  assert.doesNotMatch(String(b.data['text/html']), /define,module,exports/);
  assert.match(String(a.data['text/html']), /data-slmlab="plotly\.js\.gz"/);
  assert.ok(String(a.data['text/html']).length < 2_500_000, 'the notebook copy of plotly.js is compressed');
  assert.match(String(b.data['text/html']), /Plotly\.newPlot/);
  assert.match(String(a.data['text/plain']), /plotly figure/);
  assert.equal(displayBundle('<table><tr><td>x</td></tr></table>').data['text/plain'], 'x');
});

test('toMarkdownSummary: header + one row per group, synthetic marked, escaped', () => {
  const rs = rows();
  const md = toMarkdownSummary(rs);
  const lines = md.split('\n').filter((l) => l.startsWith('|'));
  assert.match(lines[0], /^\| Model \| Provider \|.*Latency \(avg, ms ±CV\) \| Latency \(P95, ms\) \| TTFT.*Throughput.*Tokens.*Success \| Deterministic \| Model process peak RSS \(MB\) \| Machine load \(1-min avg\) \|$/);
  assert.equal(lines.length, 2 + rs.length);
  assert.equal(rs.length, 4);
  assert.ok(lines.some((l) => l.startsWith(`| ${TWIN} (synthetic) | cuda |`)));
  assert.ok(lines.some((l) => l.includes('skipped (see below)')));
  assert.ok(md.split('\n').some((l) => l.startsWith('- ') && l.includes('skipped: webgpu is not usable')), 'the skip reason is a footnote');
  assert.ok(!md.includes('<script>'));
});

test('toCsv: RECORD_FIELDS header, one record per line, escaping', () => {
  const rs = records();
  const csv = toCsv(rs);
  assert.equal(csv.split('\n')[0], RECORD_FIELDS.map((f) => f.name).join(','));
  const [head, ...body] = parseCsv(csv);
  const parsed = body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
  assert.equal(parsed.length, rs.length);
  assert.equal(parsed[2].outputText, 'a, "quoted"\nline two');
  assert.equal(parsed[0].itlMs, rs[0].itlMs.join(';'));
  assert.equal(parsed[0].reason, '');
  assert.equal(toJsonl(rs).split('\n').length, rs.length + 1);
});

test('toHtmlReport: plotly once, every figure, definitions, escaped, no external loads', () => {
  const html = toHtmlReport({ title: `Report ${EVIL}`, rows: rows(), comparisons: [comparison], requests: records(), cells: [], runs: [] });
  assert.equal(html.match(/plotly\.js v\d/g)?.length, 1);
  assert.equal(html.match(/define,module,exports/g)?.length, 1);
  for (const id of ['fig-latency-e2e', 'fig-latency-ttft', 'fig-ttft-box', 'fig-tokens-per-second', 'fig-speedup', 'fig-latency-throughput', 'fig-token-timeline']) {
    assert.ok(html.includes(`<div id="${id}"`), id);
  }
  for (const m of ['TTFT', 'E2E', 'TPOT', 'ITL', 'decode tok/s']) assert.ok(html.includes(`<dt>${m} — `), m);
  assert.ok(html.includes('id="synthetic-banner"'));
  assert.ok(!html.includes(EVIL));
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(!html.includes('<b>here</b>'));
  // Outside the inlined plotly.js bundle (whose map attributions are strings in code), nothing loads from the network.
  const page = html.replace(/<script type="text\/javascript" data-slmlab="plotly\.js">[\s\S]*?<\/script>/, '');
  assert.doesNotMatch(page, /(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
  // Every <script> outside plotly is ours: newPlot calls only.
  const scripts = page.match(/<script[^>]*>[\s\S]*?<\/script>/g) ?? [];
  assert.ok(scripts.every((s) => s.includes('Plotly.newPlot')));
});

function writeResults(dir: string): string {
  const file = path.join(dir, 'results.jsonl');
  const run = { type: 'run', runId: 'run1', gridHash: 'g'.repeat(64), gridName: 'test', startedAt: '2025-01-01T00:00:00.000Z',
    machine: { cpuModel: 'Test CPU', logicalCores: 2, ramBytes: 2 ** 33, os: { platform: 'linux', release: '6', type: 'Linux', arch: 'x64' }, nodeVersion: 'v20', onnxruntimeNodeVersion: '1.30.0', slmlabVersion: '0.1.0', gitCommit: null },
    overrides: [], providers: [{ name: 'cpu', usable: true, reason: null, fix: null, detail: null }], cells: 4, requestsPlanned: 12, requestsToRun: 12 };
  fs.writeFileSync(file, toJsonl([run, ...records()]));
  return file;
}

test('writeReport writes the five files atomically and leaves no temp files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-report-'));
  try {
    const file = writeResults(dir);
    const out = path.join(dir, 'out');
    const p = writeReport(file, out, { title: 'T', summarize: (rq, cells) => summarizeResults(rq, cells, { by: 'setting', synthetic }) });
    assert.deepEqual(fs.readdirSync(out).sort(), ['env.json', 'report.html', 'results.csv', 'results.jsonl', 'summary.md']);
    assert.equal(fs.readFileSync(p.jsonl, 'utf8'), fs.readFileSync(file, 'utf8'));
    assert.equal(JSON.parse(fs.readFileSync(p.env, 'utf8')).runs[0].machine.cpuModel, 'Test CPU');
    assert.ok(fs.readFileSync(p.html, 'utf8').includes('Test CPU'));
    // In the results folder itself: results.jsonl is not copied onto itself.
    writeReport(file, dir);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
    assert.ok(fs.existsSync(path.join(dir, 'report.html')));
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('slmlab report <results.jsonl> builds the report and says where', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-report-cli-'));
  try {
    const file = writeResults(dir);
    const out = path.join(dir, 'rep');
    const cli = path.join(__dirname, '..', 'scripts', 'cli.js');
    const stdout = execFileSync(process.execPath, [cli, 'report', file, '--out', out, '--title', 'CLI'], { encoding: 'utf8' });
    assert.match(stdout, /report\.html/);
    assert.ok(fs.readFileSync(path.join(out, 'report.html'), 'utf8').includes('<title>CLI</title>'));
    assert.equal(fs.readdirSync(out).length, 5);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
