import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pl from 'nodejs-polars';
import { upgradeRecord, type RequestRecord } from '../lib/bench/store';
import {
  loadResults, summarizeResults, compare, toFrame, comparisonFrame, pivot, polarsToDanfo, COLUMNS, COMPARISON_COLUMNS,
  type SummaryRow,
} from '../lib/analysis';

const SLM = 'qwen2.5-0.5b-twin';
const LLM = 'qwen2.5-1.5b-twin';
const SKIP = 'execution provider "cuda" is not usable on this machine: no CUDA device';

function rec(o: Partial<RequestRecord> & Pick<RequestRecord, 'model' | 'provider' | 'precision' | 'round'>): RequestRecord {
  const cellId = `${o.model}|${o.provider}|${o.precision}`;
  return upgradeRecord({
    type: 'request', recordVersion: 1, gridHash: 'g1', cellId, warmup: false, slot: 0, runId: 'run1',
    status: 'ok', reason: null, finishReason: 'length', startedAt: '2025-01-01T00:00:00.000Z',
    ttftMs: 100, e2eMs: 1000, tpotMs: 10, itlMs: [], promptTokens: 20, completionTokens: 64, tokenSource: 'usage',
    decodeTokensPerSecond: 10, outputSha256: 'h', outputText: 'x',
    endpoint: 'embedded', modelId: null, threads: 0, promptSetId: 'workshop', promptId: 'p1', expected: null,
    maxTokens: 64, temperature: 0, seed: 0, stream: true, concurrency: 1, rounds: 3, warmupRounds: 1,
    role: o.model === SLM ? 'slm' : 'llm',
    ...o,
  } as RequestRecord);
}

function records(): RequestRecord[] {
  const out: RequestRecord[] = [];
  const aCpu = { tps: [10, 12, 11], ttft: [100, 120, 110] };
  const aCuda = { tps: [40, 36, 44], ttft: [20, 30, 25] };
  const aFp32 = [5, 6, 5.5];
  const bCpu = [5, null, 4];
  // a warmup with wild numbers: must not count anywhere
  out.push(rec({ model: SLM, provider: 'cpu', precision: 'int4', round: 1, warmup: true, decodeTokensPerSecond: 1000, ttftMs: 9000 }));
  for (let i = 0; i < 3; i++) { // interleaved rounds: A cpu, A cuda, A fp32, B cpu, B cuda
    const round = i + 1;
    out.push(rec({ model: SLM, provider: 'cpu', precision: 'int4', round, decodeTokensPerSecond: aCpu.tps[i], ttftMs: aCpu.ttft[i] }));
    out.push(rec({ model: SLM, provider: 'cuda', precision: 'int4', round, decodeTokensPerSecond: aCuda.tps[i], ttftMs: aCuda.ttft[i], outputSha256: round === 3 ? 'other' : 'h' }));
    out.push(rec({ model: SLM, provider: 'cpu', precision: 'fp32', round, decodeTokensPerSecond: aFp32[i] }));
    out.push(bCpu[i] === null
      ? rec({ model: LLM, provider: 'cpu', precision: 'int4', round, status: 'error', reason: 'model crashed', ttftMs: null, e2eMs: null, tpotMs: null, decodeTokensPerSecond: null, outputSha256: null, completionTokens: null, promptTokens: null })
      : rec({ model: LLM, provider: 'cpu', precision: 'int4', round, decodeTokensPerSecond: bCpu[i] }));
    out.push(rec({ model: LLM, provider: 'cuda', precision: 'int4', round, status: 'skipped', reason: SKIP, ttftMs: null, e2eMs: null, tpotMs: null, decodeTokensPerSecond: null, outputSha256: null, completionTokens: null, promptTokens: null }));
  }
  return out;
}

const cell = (model: string, provider: string, precision: string, deterministic: boolean | null, peakRssBytes: number | null) => ({
  type: 'cell', runId: 'run1', gridHash: 'g1', cellId: `${model}|${provider}|${precision}`, endpoint: 'embedded', model, modelId: null,
  modelFileHash: null, provider, precision, promptSetId: 'workshop', promptId: 'p1', temperature: 0,
  rounds: { ok: 3, error: 0, skipped: 0 }, deterministic, distinctOutputs: deterministic ? 1 : 2, peakRssBytes, finishedAt: '2025-01-01T00:00:01.000Z',
});

function writeResults(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-analysis-'));
  const file = path.join(dir, 'results.jsonl');
  const lines: object[] = [
    { type: 'run', runId: 'run1', gridHash: 'g1', gridName: 'test', startedAt: '2025-01-01T00:00:00.000Z' },
    ...records(),
    // A fp32 has no cell line: its determinism comes from its requests
    cell(SLM, 'cpu', 'int4', true, 200 * 1048576),
    cell(SLM, 'cuda', 'int4', false, 300 * 1048576),
    cell(LLM, 'cpu', 'int4', true, null),
    cell(LLM, 'cuda', 'int4', null, null),
  ];
  fs.writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\nnot json\n{"type":"request","gridHash":"g1"`);
  return file;
}

const find = (rows: readonly SummaryRow[], model: string, provider: string, precision: string) =>
  rows.find((r) => r.model === model && r.provider === provider && r.precision === precision)!;

const file = writeResults();
const loaded = loadResults(file);
after(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }));
const rows = summarizeResults(loaded.requests, loaded.cells, { by: 'cell' });

test('loadResults splits requests, cells and runs and counts what it ignored', () => {
  assert.equal(loaded.requests.length, 16);
  assert.equal(loaded.cells.length, 4);
  assert.equal(loaded.runs.length, 1);
  assert.equal(loaded.truncated, 1);
  assert.equal(loaded.invalid, 1);
});

test('summary rows: medians, counts, skip reasons, determinism, synthetic, peak RSS', () => {
  assert.equal(rows.length, 5);
  const aCpu = find(rows, SLM, 'cpu', 'int4');
  assert.equal(aCpu.ok, 3); assert.equal(aCpu.errors, 0); assert.equal(aCpu.skipped, 0);
  assert.equal(aCpu.decodeTokensPerSecond.median, 11); // warmup 1000 left out
  assert.equal(aCpu.decodeTokensPerSecond.mean, 11);
  assert.equal(aCpu.ttftMs.median, 110);
  assert.equal(aCpu.ttftMs.p95, 119); // 110 + 0.9 * (120 - 110), type 7
  assert.ok(aCpu.ttftMs.ci95 && aCpu.ttftMs.ci95.low >= 100 && aCpu.ttftMs.ci95.high <= 120);
  assert.equal(aCpu.promptId, 'p1');
  assert.equal(aCpu.deterministic, true);
  assert.equal(aCpu.peakRssBytes, 200 * 1048576);
  assert.equal(aCpu.synthetic, true);

  const aCuda = find(rows, SLM, 'cuda', 'int4');
  assert.equal(aCuda.decodeTokensPerSecond.median, 40);
  assert.equal(aCuda.deterministic, false);

  assert.equal(find(rows, SLM, 'cpu', 'fp32').deterministic, true); // from the requests' hashes

  const bCpu = find(rows, LLM, 'cpu', 'int4');
  assert.equal(bCpu.ok, 2); assert.equal(bCpu.errors, 1);
  assert.equal(bCpu.decodeTokensPerSecond.median, 4.5);
  assert.equal(bCpu.skipReason, null);
  assert.equal(bCpu.peakRssBytes, null);

  const bCuda = find(rows, LLM, 'cuda', 'int4');
  assert.equal(bCuda.ok, 0); assert.equal(bCuda.skipped, 3);
  assert.equal(bCuda.skipReason, SKIP);
  assert.equal(bCuda.decodeTokensPerSecond.n, 0);
  assert.equal(bCuda.decodeTokensPerSecond.median, null);
  assert.equal(bCuda.deterministic, null);

  const bySetting = summarizeResults(loaded.requests, loaded.cells, { by: 'setting' });
  assert.equal(bySetting.length, 5);
  assert.ok(bySetting.every((r) => r.promptId === null));
  assert.equal(find(bySetting, SLM, 'cpu', 'int4').decodeTokensPerSecond.median, 11);

  const notSynthetic = summarizeResults(loaded.requests, loaded.cells, { synthetic: () => false });
  assert.ok(notSynthetic.every((r) => r.synthetic === false));
});

test('GPU vs CPU speedup is the paired median of per-round ratios; skipped pairs are noted', () => {
  const gpu = compare(loaded.requests, { kind: 'provider', baseline: 'cpu' });
  assert.equal(gpu.length, 1);
  const r = gpu[0];
  assert.equal(r.label, 'cuda vs cpu');
  assert.equal(r.method, 'paired');
  assert.equal(r.n, 3);
  assert.equal(r.speedup, 4); // 40/10, 36/12, 44/11 -> 4, 3, 4
  assert.ok(r.low !== null && r.high !== null && r.low <= 4 && r.high >= 3);
  assert.match(r.context, new RegExp(`model=${SLM} precision=int4`));
  assert.equal(gpu.notes.length, 1);
  assert.match(gpu.notes[0], /no ok decodeTokensPerSecond for cuda \(skipped: execution provider "cuda" is not usable/);

  const ttft = compare(loaded.requests, { kind: 'provider', metric: 'ttftMs' });
  assert.equal(ttft[0].speedup, 4.4); // latency: cpu/cuda = 5, 4, 4.4
});

test('int4 vs fp32 and small vs large model', () => {
  const prec = compare(loaded.requests, { kind: 'precision', baseline: 'fp32' });
  assert.equal(prec.length, 1);
  assert.equal(prec[0].label, 'int4 vs fp32');
  assert.equal(prec[0].speedup, 2); // 10/5, 12/6, 11/5.5

  const byRole = compare(loaded.requests, { kind: 'model' });
  assert.equal(byRole.length, 1);
  assert.equal(byRole[0].label, `${SLM} (slm) vs ${LLM} (llm)`);
  assert.equal(byRole[0].method, 'paired');
  assert.equal(byRole[0].n, 2); // the error round drops its pair
  assert.equal(byRole[0].speedup, 2.375); // median(10/5, 11/4)
  assert.ok(byRole.notes.some((n) => /no ok .* for llm \(skipped/.test(n)));

  const noRoles = loaded.requests.map((r) => ({ ...r, role: null }));
  const byName = compare(noRoles, { kind: 'model', baseline: LLM });
  assert.equal(byName.length, 1);
  assert.equal(byName[0].label, `${SLM} vs ${LLM}`);
  assert.equal(byName[0].speedup, 2.375);

  // unequal rounds: bootstrap ratio of medians
  const unpaired = loaded.requests.filter((r) => !(r.provider === 'cuda' && r.round === 3));
  const boot = compare(unpaired, { kind: 'provider' });
  assert.equal(boot[0].method, 'bootstrap');
  assert.equal(boot[0].speedup, 38 / 11);
});

test('frames: column names, order and values; pivot; comparison frame', () => {
  const df = toFrame(rows);
  assert.deepEqual(df.columns, COLUMNS.map((c) => c.name));
  assert.deepEqual(df.columns.slice(0, 9), ['model', 'model_id', 'provider', 'adapter_note', 'precision', 'threads', 'max_tokens', 'temperature', 'prompt_id']);
  for (const name of ['ttft_ms_median', 'ttft_ms_p95', 'ttft_ms_ci_low', 'ttft_ms_ci_high', 'decode_tps_median', 'ok', 'skipped', 'errors', 'deterministic', 'synthetic', 'caller_rss_mb', 'model_peak_rss_mb', 'load_1m', 'decode_tps_cv']) {
    assert.ok(df.columns.includes(name), name);
  }
  assert.equal(df.height, 5);
  const recs = df.toRecords() as Record<string, unknown>[];
  const a = recs.find((r) => r.model === SLM && r.provider === 'cpu' && r.precision === 'int4')!;
  assert.equal(a.decode_tps_median, 11);
  assert.equal(a.ttft_ms_p95, 119);
  assert.equal(a.caller_rss_mb, 200);
  assert.equal(a.model_peak_rss_mb, null, 'these cell lines carry no memory field: not measured, and not the caller figure either');
  assert.equal(a.deterministic, true);
  assert.equal(a.ok, 3);
  const b = recs.find((r) => r.model === LLM && r.provider === 'cuda')!;
  assert.equal(b.skip_reason, SKIP);
  assert.equal(b.decode_tps_median, null);
  assert.equal(b.deterministic, null);

  const int4 = df.filter(pl.col('precision').eq(pl.lit('int4')));
  const p = pivot(int4, { index: 'model', columns: 'provider', values: 'decode_tps_median' });
  assert.deepEqual(p.shape, { height: 2, width: 3 });
  assert.deepEqual(p.columns, ['model', 'cpu', 'cuda']);
  assert.deepEqual(p.toRecords(), [{ model: SLM, cpu: 11, cuda: 40 }, { model: LLM, cpu: 4.5, cuda: null }]);

  const cf = comparisonFrame(compare(loaded.requests, { kind: 'provider' }));
  assert.deepEqual(cf.columns, COMPARISON_COLUMNS.map((c) => c.name));
  assert.equal(cf.getColumn('speedup').toArray()[0], 4);
});

test('polarsToDanfo hands the same table to danfojs-node (slow: loads danfo)', () => {
  const df = toFrame(rows);
  const dd = polarsToDanfo(df);
  assert.deepEqual(dd.columns, df.columns);
  assert.deepEqual(dd.shape, [5, df.width]);
  assert.deepEqual(dd['decode_tps_median'].values, df.getColumn('decode_tps_median').toArray());
  assert.deepEqual(dd['model'].values, df.getColumn('model').toArray());
});
