/**
 * The grid runner end to end on the real embedded service and the synthetic `tiny` model
 * (built on first use into a temp SLMLAB_CACHE_DIR), plus `slmlab bench --dry-run`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runGrid, type CellSummaryRecord, type RunRecord } from '../lib/bench/runner';
import { expandGrid, loadPromptLibrary, schedule, type GridSpec } from '../lib/bench/grid';
import { keyOfRecord, readRecords } from '../lib/bench/store';
import { machineMetadata, modelFileHash } from '../lib/bench/metadata';
import { probeProviders } from '../lib/engine/providers';
import { makeTempDir, removeTempDir } from './helpers/models';

const CLI = path.resolve(__dirname, '..', 'scripts', 'cli.js');
let root: string;
let savedCache: string | undefined;

const GRID: GridSpec = {
  name: 'runner-test', models: ['tiny'], endpoints: ['embedded'], providers: ['cpu', 'webgpu', 'cuda'],
  rounds: 2, warmup: 1, maxTokens: 8, temperature: 0, prompts: ['workshop#rag-brief', 'workshop#haiku-ocean'],
};

before(() => {
  root = makeTempDir();
  savedCache = process.env.SLMLAB_CACHE_DIR;
  process.env.SLMLAB_CACHE_DIR = path.join(root, 'cache');
});
after(() => {
  if (savedCache === undefined) delete process.env.SLMLAB_CACHE_DIR; else process.env.SLMLAB_CACHE_DIR = savedCache;
  removeTempDir(root);
});

const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
const cellSummaries = (file: string) => readRecords(file).others.filter((o) => o.type === 'cell') as unknown as CellSummaryRecord[];
const measuredKeys = (spec: GridSpec) => schedule(expandGrid(spec, loadPromptLibrary())).filter((r) => r.kind === 'measure').map((r) => r.key).sort();

test('machineMetadata is a plain record without the hostname', () => {
  const m = machineMetadata();
  assert.ok(m.logicalCores >= 1 && m.ramBytes > 0);
  assert.equal(m.nodeVersion, process.version);
  assert.equal(m.slmlabVersion, require('../../package.json').version);
  assert.match(m.onnxruntimeNodeVersion ?? '', /^\d+\.\d+/);
  assert.ok(!JSON.stringify(m).includes(require('node:os').hostname()) || require('node:os').hostname() === '');
});

test('a grid on tiny: ok cpu records, skipped unusable providers, deterministic cells, run metadata; a re-run adds nothing', async () => {
  const file = path.join(root, 'full', 'results.jsonl');
  const progress: number[] = [];
  const r = await runGrid(GRID, { resultsFile: file, env: {}, onProgress: (p) => progress.push(p.done) });
  assert.equal(r.aborted, false);
  assert.equal(progress[progress.length - 1], 18); // 2 prompts x 3 providers x (1 warmup + 2 rounds)
  const { records, others, duplicates } = readRecords(file);
  assert.equal(duplicates.length, 0);
  assert.equal(records.length, 18);

  const cpu = records.filter((x) => x.provider === 'cpu');
  assert.equal(cpu.length, 6);
  for (const x of cpu) {
    assert.equal(x.status, 'ok', x.reason ?? '');
    assert.ok(x.ttftMs! > 0 && x.e2eMs! >= x.ttftMs!, 'ttft and e2e');
    assert.equal(x.completionTokens, 8);
    assert.ok(x.promptTokens! > 0);
    assert.equal(x.modelId, 'tiny-generic-cpu:1');
  }
  const statuses = await probeProviders({ only: ['webgpu', 'cuda'] });
  for (const s of statuses) {
    if (s.usable) continue; // a GPU machine: nothing to say about skipping
    const rs = records.filter((x) => x.provider === s.name);
    assert.equal(rs.length, 6);
    for (const x of rs) {
      assert.equal(x.status, 'skipped');
      assert.ok(x.reason!.includes(s.reason!), x.reason!);
    }
  }

  const runs = others.filter((o) => o.type === 'run') as unknown as RunRecord[];
  assert.equal(runs.length, 1);
  assert.equal(runs[0].gridHash, r.gridHash);
  assert.equal(runs[0].machine.nodeVersion, process.version);
  assert.ok(runs[0].machine.logicalCores >= 1);
  assert.deepEqual(runs[0].overrides, []);

  const sums = cellSummaries(file);
  assert.equal(sums.length, 6);
  for (const s of sums.filter((x) => x.provider === 'cpu')) {
    assert.equal(s.deterministic, true);
    assert.deepEqual(s.rounds, { ok: 2, error: 0, skipped: 0 });
    assert.ok(s.peakRssBytes! > 0);
    assert.equal(s.modelId, 'tiny-generic-cpu:1');
    assert.match(s.modelFileHash ?? '', /^[0-9a-f]{64}$/);
  }
  for (const s of sums.filter((x) => x.rounds.ok === 0)) assert.equal(s.deterministic, null);
  // Every cell line, a skipped one's too, carries the machine's load; a run cell, its engine process's memory.
  for (const s of sums) assert.ok(s.load && typeof s.load.underLoad === 'boolean' && s.load.logicalCores >= 1, `${s.provider}: load`);
  for (const s of sums.filter((x) => x.provider === 'cpu')) assert.ok(s.memory!.modelProcess!.pid !== process.pid && s.memory!.modelProcess!.peakRssBytes > 0);

  const size = lines(file);
  const again = await runGrid(GRID, { resultsFile: file, env: {} });
  assert.equal(again.upToDate, true);
  assert.equal(again.runId, null);
  assert.equal(lines(file), size);
});

test('an aborted run resumes to exactly the full set, no duplicate keys', async () => {
  const file = path.join(root, 'abort', 'results.jsonl');
  const spec: GridSpec = { ...GRID, providers: ['cpu'], rounds: 3 };
  const ac = new AbortController();
  const first = await runGrid(spec, { resultsFile: file, env: {}, signal: ac.signal, onProgress: (p) => { if (p.done >= 4) ac.abort(); } });
  assert.equal(first.aborted, true);
  const partial = readRecords(file).records.filter((x) => !x.warmup);
  assert.ok(partial.length > 0 && partial.length < 6, `partial run stored ${partial.length} measured records`);

  const second = await runGrid(spec, { resultsFile: file, env: {} });
  assert.equal(second.aborted, false);
  const { records, duplicates, others } = readRecords(file);
  assert.equal(duplicates.length, 0);
  const keys = records.map(keyOfRecord);
  assert.equal(new Set(keys).size, keys.length);
  assert.deepEqual(records.filter((x) => !x.warmup).map(keyOfRecord).sort(), measuredKeys(spec));
  assert.ok(records.every((x) => x.status === 'ok'));
  const sums = cellSummaries(file);
  assert.equal(sums.length, 2);
  assert.equal(new Set(sums.map((s) => s.cellId)).size, 2);
  assert.ok(sums.every((s) => s.deterministic === true));
  assert.equal(others.filter((o) => o.type === 'run').length, 2);
  assert.equal((await runGrid(spec, { resultsFile: file, env: {} })).upToDate, true);
});

test('a `slmlab bench` killed with SIGKILL mid-grid resumes with nothing lost or duplicated', async () => {
  const dir = path.join(root, 'killed');
  const gridFile = path.join(root, 'killed-grid.json');
  const spec: GridSpec = { ...GRID, providers: ['cpu'], rounds: 8, maxTokens: 48 };
  fs.writeFileSync(gridFile, JSON.stringify(spec));
  const file = path.join(dir, 'results.jsonl');
  const child = spawn(process.execPath, [CLI, 'bench', gridFile, '--out', dir], { stdio: 'ignore', env: { ...process.env, BENCH_ROUNDS: '', BENCH_MODELS: '' } });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const requestLines = () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"type":"request"')).length : 0);
  const deadline = Date.now() + 20_000;
  while (requestLines() < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  await exited;
  const before = readRecords(file);
  const measuredBefore = before.records.filter((x) => !x.warmup).length;
  assert.ok(measuredBefore > 0 && measuredBefore < 16, `killed run stored ${measuredBefore} of 16 measured records`);

  const r = await runGrid(spec, { resultsFile: file, env: {} });
  assert.equal(r.aborted, false);
  const { records, duplicates, truncated, invalid } = readRecords(file);
  assert.equal(truncated, null);
  assert.deepEqual(invalid, []);
  assert.deepEqual(duplicates, []);
  assert.deepEqual(records.filter((x) => !x.warmup).map(keyOfRecord).sort(), measuredKeys(spec));
  const sums = cellSummaries(file);
  assert.equal(sums.length, 2);
  assert.ok(sums.every((s) => s.deterministic === true && s.rounds.ok === 8));
});

test('a bad model name fails its own cells only', async () => {
  const file = path.join(root, 'bad', 'results.jsonl');
  const spec: GridSpec = { ...GRID, models: ['no-such-model', 'tiny'], providers: ['cpu'] };
  const r = await runGrid(spec, { resultsFile: file, env: {} });
  assert.equal(r.counts.error, 6);
  assert.equal(r.counts.ok, 6);
  const { records } = readRecords(file);
  for (const x of records.filter((y) => y.model === 'no-such-model')) {
    assert.equal(x.status, 'error');
    assert.ok(x.reason && x.reason.length > 0);
  }
  assert.ok(records.filter((y) => y.model === 'tiny').every((y) => y.status === 'ok'));
  const sums = cellSummaries(file);
  assert.equal(sums.length, 4);
  assert.ok(sums.filter((s) => s.model === 'no-such-model').every((s) => s.rounds.error === 2 && s.deterministic === null));
});

test('modelFileHash hashes the .onnx graph; null for a folder without one', async () => {
  assert.equal(await modelFileHash(root), null);
  const dir = path.join(root, 'fake-model');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.onnx'), 'abc');
  assert.equal(await modelFileHash(dir), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('slmlab bench --dry-run lists the cells and runs nothing', () => {
  const out = path.join(root, 'dry');
  const text = execFileSync(process.execPath, [CLI, 'bench', '--models', 'tiny', '--providers', 'cpu,webgpu', '--rounds', '2', '--max-tokens', '8', '--dry-run', '--out', out],
    { encoding: 'utf8', env: { ...process.env, BENCH_ROUNDS: '' } });
  assert.match(text, /grid hash [0-9a-f]{64}/);
  assert.match(text, /6 cells/);
  assert.match(text, /tiny\s+webgpu\s+workshop#haiku-ocean/);
  assert.equal(fs.existsSync(out), false);
});
