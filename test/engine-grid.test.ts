/**
 * The engine axis of a grid: with both engines a grid writes rows for both (the llama.cpp
 * rows on a GGUF exported on first use into the test's cache); without the engine installed
 * the llama.cpp rows are skipped with the fix and nothing is downloaded. A grid that does not
 * name engines keeps its hash (the axis is quiet at its default).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runGrid } from '../lib/bench/runner';
import { expandGrid, gridHash, loadPromptLibrary, type GridSpec } from '../lib/bench/grid';
import { readRecords } from '../lib/bench/store';
import { makeTempDir, removeTempDir } from './helpers/models';
import { llamaCppForTests } from './helpers/llama-cpp';

const engine = llamaCppForTests();
let root: string;
const saved = { cache: process.env.SLMLAB_CACHE_DIR, engines: process.env.SLMLAB_ENGINES_DIR };
before(() => {
  root = makeTempDir();
  process.env.SLMLAB_CACHE_DIR = path.join(root, 'cache');
  if (!engine.skip) process.env.SLMLAB_ENGINES_DIR = path.dirname(engine.dir); // the installed engine, whatever the test cache
});
after(() => {
  for (const [k, v] of [['SLMLAB_CACHE_DIR', saved.cache], ['SLMLAB_ENGINES_DIR', saved.engines]] as const) {
    if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
  removeTempDir(root);
});

const GRID: GridSpec = {
  name: 'engines', models: ['tiny'], providers: ['cpu'], engines: ['onnxruntime', 'llama.cpp'],
  rounds: 1, warmup: 0, maxTokens: 4, temperature: 0, prompts: ['workshop#haiku-ocean'],
};

test('the engine axis expands, labels cells and leaves other grids\' hashes alone', () => {
  const cells = expandGrid(GRID, loadPromptLibrary());
  assert.deepEqual(cells.map((c) => c.engine), ['onnxruntime', 'llama.cpp']);
  const plain: GridSpec = { ...GRID, engines: undefined };
  assert.equal(gridHash(plain), gridHash({ ...plain, engines: ['onnxruntime'] }));
  assert.equal(expandGrid(plain, loadPromptLibrary())[0].cellId, cells[0].cellId, 'an ONNX Runtime cell keeps its id');
  assert.throws(() => expandGrid({ ...GRID, engines: ['vllm'] }, loadPromptLibrary()), /unknown engine 'vllm'/);
});

test('without the llama.cpp engine its rows are skipped with the fix', async () => {
  const before = process.env.SLMLAB_ENGINES_DIR;
  process.env.SLMLAB_ENGINES_DIR = path.join(root, 'no-engines');
  try {
    const file = path.join(root, 'absent', 'results.jsonl');
    await runGrid(GRID, { resultsFile: file, env: {} });
    const { records } = readRecords(file);
    const llama = records.filter((r) => r.engine === 'llama.cpp');
    const ort = records.filter((r) => r.engine === 'onnxruntime');
    assert.equal(ort.length, 1);
    assert.equal(ort[0].status, 'ok', ort[0].reason ?? '');
    assert.equal(llama.length, 1);
    assert.equal(llama[0].status, 'skipped');
    assert.match(llama[0].reason ?? '', /slmlab engines add llama\.cpp/);
    assert.equal(fs.existsSync(path.join(root, 'no-engines')), false, 'nothing was installed');
  } finally {
    if (before === undefined) delete process.env.SLMLAB_ENGINES_DIR; else process.env.SLMLAB_ENGINES_DIR = before;
  }
});

test('a grid with both engines writes rows for both', { skip: engine.skip }, async () => {
  const file = path.join(root, 'both', 'results.jsonl');
  const r = await runGrid(GRID, { resultsFile: file, env: {} });
  assert.equal(r.counts.ok, 2, JSON.stringify(r.counts));
  const { records } = readRecords(file);
  const texts = new Map(records.map((x) => [x.engine, x]));
  assert.equal(texts.get('llama.cpp')?.status, 'ok', texts.get('llama.cpp')?.reason ?? '');
  assert.equal(texts.get('llama.cpp')?.completionTokens, 4);
  assert.equal(texts.get('llama.cpp')?.modelId, 'tiny-generic-cpu:1');
  const [ortCell, llamaCell] = expandGrid(GRID, loadPromptLibrary());
  const llamaSummary = r.summaries.find((s) => s.cellId === llamaCell.cellId);
  const ortSummary = r.summaries.find((s) => s.cellId === ortCell.cellId);
  assert.equal(llamaSummary?.engine, 'llama.cpp');
  // Each row's memory is its own engine's process, and its files are what that engine loads.
  const llamaPid = llamaSummary?.memory?.modelProcess?.pid, ortPid = ortSummary?.memory?.modelProcess?.pid;
  assert.ok(typeof llamaPid === 'number' && typeof ortPid === 'number', JSON.stringify([llamaSummary?.memory, ortSummary?.memory]));
  assert.notEqual(llamaPid, ortPid, 'the llama.cpp row measures the llama.cpp process, not the ONNX Runtime one');
  const gguf = fs.readdirSync(path.join(root, 'cache', 'gguf')).filter((f) => f.endsWith('.gguf'));
  assert.equal(gguf.length, 1);
  assert.equal(llamaSummary?.memory?.modelFileBytes, fs.statSync(path.join(root, 'cache', 'gguf', gguf[0])).size, 'llama.cpp loads the GGUF');
  assert.notEqual(ortSummary?.memory?.modelFileBytes, llamaSummary?.memory?.modelFileBytes);
});
