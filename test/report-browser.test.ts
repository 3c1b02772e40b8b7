/**
 * The report a newcomer opens, in a real browser (Debian's Chromium through playwright-core,
 * as test/web.test.ts): built by writeReport from a results file whose two models differ
 * ~60x in speed (the `tiny` test model beside a real-size twin, as `npm start`'s report), it
 * must draw every figure (the value axes logarithmic), fit a 1280 px window without
 * horizontal scrolling, and not say "No comparisons" while its table holds two models.
 * The results lines are written by the test (plain records, as the store holds them): the
 * report is rebuilt from the JSONL alone, so no model needs to run here.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { planGrid } from '../lib/bench/plan';
import { recordFor, type CellSummaryRecord, type RequestRecord } from '../lib/bench/store';
import { writeReport } from '../lib/report/write-report';
import { makeTempDir, removeTempDir } from './helpers/models';

const CHROMIUM = process.env.SLMLAB_CHROMIUM ?? '/usr/bin/chromium';
let root: string;
let browser: Browser;

before(async () => {
  root = makeTempDir();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
});
after(async () => {
  await browser?.close();
  removeTempDir(root);
});

/** A results file as a two-model grid (tiny and a twin, cpu plus an unusable cuda) leaves it. */
function writeResults(file: string): void {
  const plan = planGrid({ name: 'start', models: ['tiny', 'qwen2.5-0.5b-twin'], providers: ['cpu', 'cuda'], rounds: 3, warmup: 0, maxTokens: 32, prompts: ['workshop#haiku-ocean', 'workshop#rag-brief'] },
    { env: {}, availableBytes: 64 * 2 ** 30 });
  const lines: object[] = [];
  let t = Date.parse('2026-12-01T10:00:00Z');
  for (const req of plan.requests) {
    const base = recordFor(req, 'run-1', new Date(t).toISOString());
    const tiny = req.cell.model === 'tiny';
    if (req.cell.provider === 'cuda') {
      lines.push({ ...base, status: 'skipped', reason: 'execution provider "cuda" is not usable on this machine: no NVIDIA driver (libcuda.so.1 not found). Fix: install the NVIDIA driver and CUDA 12 runtime, or use cpu' });
      continue;
    }
    const tps = (tiny ? 2400 : 40) * (1 + 0.05 * (req.round % 3));
    const ttft = tiny ? 4 + req.round : 300 + 10 * req.round;
    const e2e = ttft + (31 / tps) * 1000;
    const r: RequestRecord = { ...base, sentAtMs: t, doneAtMs: t + e2e, ttftMs: ttft, e2eMs: e2e, tpotMs: 1000 / tps, itlMs: Array(31).fill(1000 / tps),
      promptTokens: 20, completionTokens: 32, tokenSource: 'usage', decodeTokensPerSecond: tps, outputSha256: `h-${req.cellId}`, outputText: 'gibberish', rateSource: 'server',
      finishReason: 'length' };
    lines.push(r);
    t += e2e + 5;
  }
  for (const c of plan.cells) {
    const tiny = c.model === 'tiny';
    const cell: CellSummaryRecord = {
      type: 'cell', runId: 'run-1', gridHash: c.gridHash, cellId: c.cellId, endpoint: c.endpoint, model: c.model, modelId: null, modelFileHash: null, provider: c.provider,
      precision: c.precision, promptSetId: c.promptSetId, promptId: c.promptId, temperature: 0, rounds: c.provider === 'cpu' ? { ok: 3, error: 0, skipped: 0 } : { ok: 0, error: 0, skipped: 3 },
      deterministic: c.provider === 'cpu' ? true : null, distinctOutputs: c.provider === 'cpu' ? 1 : 0, peakRssBytes: 180 * 2 ** 20,
      memory: { modelProcess: c.provider === 'cpu' ? { pid: 4242, peakRssBytes: (tiny ? 95 : 760) * 2 ** 20, sampledPeakRssBytes: (tiny ? 94 : 750) * 2 ** 20, hwmBytes: (tiny ? 95 : 760) * 2 ** 20, pssBytes: null, ussBytes: null } : null,
        serviceProcess: { pid: 4000, peakRssBytes: 180 * 2 ** 20 }, callerPeakRssBytes: 180 * 2 ** 20, modelFileBytes: (tiny ? 0.3 : 480) * 2 ** 20, notMeasured: null },
      load: { before: { at: '2026-12-01T10:00:00Z', load1: 3.4, cpuPressureSome10: 20 }, after: { at: '2026-12-01T10:00:05Z', load1: 8.2, cpuPressureSome10: 60 }, stealPercent: 0, busyPercent: 90, logicalCores: 2, underLoad: true },
      finishedAt: '2026-12-01T10:01:00Z',
    };
    lines.push(cell);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

test('report.html at 1280 px: figures drawn on log axes, no horizontal scroll, comparisons agree with the table, load and whose memory shown', async () => {
  const file = path.join(root, 'start', 'results.jsonl');
  writeResults(file);
  const paths = writeReport(file, path.dirname(file), { title: 'slmlab — start' });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${paths.html}`);
  await page.waitForFunction(`[...document.querySelectorAll('.slmlab-plot')].every((d) => d.querySelector('svg.main-svg'))`, null, { timeout: 30_000 });
  const shots = process.env.SLMLAB_KEEP_SCREENSHOTS;
  if (shots) { fs.mkdirSync(shots, { recursive: true }); await page.screenshot({ path: path.join(shots, 'report-1280.png'), fullPage: true }); await page.screenshot({ path: path.join(shots, 'report-1280-top.png') }); }
  // Runs in the page (a string: this project's TypeScript has no DOM types).
  const facts = await page.evaluate(`(() => {
    const plots = [...document.querySelectorAll('.slmlab-plot')];
    const wide = [...document.querySelectorAll('table')].filter((t) => t.getBoundingClientRect().right > window.innerWidth + 1).length;
    const scrollers = [...document.querySelectorAll('div')].filter((d) => d.scrollWidth > d.clientWidth + 1 && getComputedStyle(d).overflowX === 'auto').length;
    const summary = document.querySelector('#summary + div table');
    const headers = [...summary.querySelectorAll('th')].map((th) => th.textContent || '');
    const models = new Set([...summary.querySelectorAll('tbody tr')].map((tr) => tr.querySelector('td').textContent));
    const comparisons = document.querySelector('#comparisons').nextElementSibling.textContent || '';
    return {
      plots: plots.length, drawn: plots.filter((p) => p.querySelectorAll('svg.main-svg .trace').length > 0).length,
      logAxes: plots.filter((p) => p.layout && p.layout.yaxis && p.layout.yaxis.type === 'log').map((p) => p.id),
      pageScroll: document.documentElement.scrollWidth - window.innerWidth, wide, scrollers, headers, models: models.size, comparisons,
      body: document.body.textContent || '',
    };
  })()`) as { plots: number; drawn: number; logAxes: string[]; pageScroll: number; wide: number; scrollers: number; headers: string[]; models: number; comparisons: string; body: string };
  assert.deepEqual(errors, []);
  assert.ok(facts.plots >= 4 && facts.drawn === facts.plots, `${facts.drawn} of ${facts.plots} figures drawn`);
  for (const id of ['fig-tokens-per-second', 'fig-latency-e2e', 'fig-latency-ttft']) assert.ok(facts.logAxes.includes(id), `${id} on a log axis (models ~60x apart): ${facts.logAxes}`);
  assert.ok(facts.pageScroll <= 0, `the page scrolls ${facts.pageScroll} px sideways at 1280 px`);
  assert.equal(facts.wide, 0, 'every table fits the window');
  assert.equal(facts.scrollers, 0, 'no table needs its own horizontal scroll bar');
  assert.ok(facts.headers.includes('Model process peak RSS (MB)') && facts.headers.includes('Machine load (1-min avg)'), facts.headers.join(' | '));
  assert.ok(facts.models >= 2);
  assert.doesNotMatch(facts.comparisons, /No comparisons/);
  assert.match(facts.comparisons, /vs/);
  assert.match(facts.body, /8\.2 \(busy\)/);
  await page.close();
});
