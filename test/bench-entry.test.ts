/**
 * One benchmark entry (issue 19): planGrid is the only stage that applies overrides and
 * validates (counted by wrapping validateGrid's export, which every caller goes through), a
 * profile's levels are derived from the plan without planning again, and runVerdict is the one
 * verdict of the CLI and benchmark(). Pure: no model, no server (the dead endpoint is port 9
 * on loopback, which refuses at once).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GridError, type GridSpec } from '../lib/bench/grid';
import { planGrid, planLevel, levelSpec } from '../lib/bench/plan';
import { runVerdict, BenchFailedError, LessonRunError } from '../lib/bench/runner';
import type { RequestRecord } from '../lib/bench/store';
import { loadCatalog } from '../lib/catalog';
import { benchmark } from '../lib/lab/benchmark';
import { makeTempDir, removeTempDir } from './helpers/models';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const validateModule = require('../lib/bench/grid/validate') as { validateGrid: (...a: unknown[]) => unknown };

/** How many times `fn` validates a grid spec. */
function validations<T>(fn: () => T): { value: T; count: number } {
  const original = validateModule.validateGrid;
  let count = 0;
  validateModule.validateGrid = (...a: unknown[]) => { count++; return original(...a); };
  try {
    return { value: fn(), count };
  } finally {
    validateModule.validateGrid = original;
  }
}

const SPEC: GridSpec = { name: 'entry', models: ['tiny'], rounds: 2, warmup: 0, maxTokens: 4, prompts: ['workshop#haiku-ocean', 'workshop#rag-brief'] };

test('planGrid applies the overrides, then the workshop variables, and validates once', () => {
  const { value: plan, count } = validations(() => planGrid(SPEC, {
    env: { BENCH_ROUNDS: '5' }, catalog: loadCatalog(), overrides: { models: ['qwen2.5-0.5b-twin'], rounds: 3, maxTokens: 2, concurrency: [1, 2], load: true },
  }));
  assert.equal(count, 1);
  assert.deepEqual(plan.spec.models, ['qwen2.5-0.5b-twin']);
  assert.equal(plan.spec.rounds, 5, 'the workshop variable wins over the flag');
  assert.deepEqual(plan.overrides.map((o) => o.variable), ['BENCH_ROUNDS']);
  // A load run asked for by the overrides measures one workload: the grid's first prompt.
  assert.equal(plan.onePrompt, 'workshop#haiku-ocean');
  assert.deepEqual(plan.cells.map((c) => [c.promptId, c.concurrency, c.mode]), [['haiku-ocean', 1, 'load'], ['haiku-ocean', 2, 'load']]);
  // The hash is the one the narrowed grid has on its own (results written before this change resume).
  assert.equal(plan.gridHash, planGrid({ ...SPEC, models: ['qwen2.5-0.5b-twin'], rounds: 5, maxTokens: 2, concurrency: [1, 2], mode: 'load', prompts: ['workshop#haiku-ocean'] }).gridHash);
  // Prompts chosen (or synthetic lengths): no narrowing.
  assert.equal(planGrid(SPEC, { overrides: { concurrency: [1], load: true, prompts: ['workshop'] } }).onePrompt, null);
  assert.equal(planGrid(SPEC, { overrides: { concurrency: [1], load: true, inputTokens: [16] } }).cells[0].promptSetId, 'synthetic');
});

test('planGrid names what is wrong in the grid as it will run: a flag, a variable, the grid itself', () => {
  assert.throws(() => planGrid(SPEC, { catalog: loadCatalog(), file: 'entry.json', overrides: { models: ['no-such-model'] } }),
    (e: unknown) => e instanceof GridError && /^grid entry\.json has 1 problem/.test(e.message) && /models\[0\]: .*no-such-model.*not in the catalog/.test(e.message));
  assert.throws(() => planGrid(SPEC, { catalog: loadCatalog(), file: 'entry.json', env: { BENCH_MODELS: 'nope-model' } }),
    (e: unknown) => e instanceof GridError && /^grid entry\.json with environment overrides has 1 problem/.test(e.message));
  assert.throws(() => planGrid(SPEC, { overrides: { rate: [2], concurrency: [4] } }), /cannot be combined with rate/);
  // A flag can repair what the file lacks: it is the grid as run that must be valid.
  assert.deepEqual(new Set(planGrid({ name: 'no-models' } as GridSpec, { overrides: { models: ['tiny'] } }).cells.map((c) => c.model)), new Set(['tiny']));
  // Not a grid object, with variables set: validation says so (the variables are not applied to it).
  assert.throws(() => planGrid([] as unknown as GridSpec, { env: { SLM_ALIAS: 'a', BENCH_ROUNDS: '2' } }), /\(root\): expected a grid object/);
  assert.throws(() => planGrid({ models: ['tiny'], compare: 'x' } as unknown as GridSpec, { env: { SLM_ALIAS: 'a' } }), /compare: expected \{slm/);
});

test('a profile level is derived from the plan: no second validation, its load set, the intent carried', () => {
  const base = planGrid(SPEC, { overrides: { load: true, concurrency: [1] } });
  const { value: level, count } = validations(() => planLevel(base, { kind: 'rate', rate: 2.5 }, { intent: 'search' }));
  assert.equal(count, 0);
  assert.deepEqual(level.cells.map((c) => [c.rate, c.concurrency, c.promptId]), [[2.5, 1, 'haiku-ocean']]);
  assert.equal(level.intentHash, 'search');
  assert.equal(level.onePrompt, base.onePrompt);
  // The same hash as planning the level's spec from scratch (what the runner stored before).
  assert.equal(level.gridHash, planGrid(levelSpec(base.spec, { kind: 'rate', rate: 2.5 })).gridHash);
});

const rec = (model: string, status: RequestRecord['status'], reason: string | null = null, extra: Partial<RequestRecord> = {}): RequestRecord =>
  ({ model, provider: 'cpu', status, reason, warmup: false, cooldown: false, ...extra }) as RequestRecord;

test('runVerdict: ok, partial and failed, the code of the failures, and the policy of each face', () => {
  const ok = runVerdict([rec('a', 'ok'), rec('b', 'skipped', 'cuda: not usable'), rec('a', 'error', 'boom', { warmup: true })]);
  assert.deepEqual([ok.status, ok.error], ['ok', null]);

  const partial = [rec('a', 'ok'), rec('b', 'error', '404 model b does not exist'), rec('b', 'error', 'other')];
  assert.equal(runVerdict(partial).status, 'partial');
  assert.equal(runVerdict(partial).error, null, 'the CLI reports a partial grid and exits 0');
  const lesson = runVerdict(partial, { policy: 'model' }).error;
  assert.ok(lesson instanceof LessonRunError);
  assert.equal(lesson.message, 'no request succeeded for b on cpu: 404 model b does not exist');

  const notServed = runVerdict([rec('a', 'error', '404 The model does not exist'), rec('a', 'ok', null, { cooldown: true })]);
  assert.equal(notServed.status, 'failed');
  assert.ok(notServed.error instanceof BenchFailedError);
  assert.equal(notServed.error.code, 'model_not_found');
  assert.equal(notServed.error.message, 'every cell failed, nothing was measured: 404 The model does not exist');
  const dead = runVerdict([rec('a', 'error', 'Connection error.'), rec('b', 'error', '404 x')]);
  assert.equal(dead.code, 'endpoint_not_found');
  assert.deepEqual(dead.failedModels.map((f) => f.model), ['a', 'b']);
  assert.equal(runVerdict([rec('a', 'error', 'Connection error.')], { aborted: true }).error, null, 'an interrupted run resumes');
  assert.equal(runVerdict([rec('a', 'skipped', 'no gpu')]).status, 'ok', 'skipped is not failed');
});

test('benchmark() is planGrid, runPlan and runVerdict: a dead endpoint fails the cell naming the model; fresh starts over', async () => {
  const root = makeTempDir();
  try {
    const resultsFile = path.join(root, 'lesson', 'grid.jsonl');
    const spec: GridSpec = { name: 'dead', models: ['m'], endpoints: ['http://127.0.0.1:9/v1'], rounds: 1, warmup: 0, maxTokens: 2, prompts: ['workshop#haiku-ocean'] };
    const refused = (e: unknown) => e instanceof LessonRunError && /^no request succeeded for m on cpu: .*(Connection error|fetch failed)/.test(e.message);
    await assert.rejects(benchmark(spec, { resultsFile, env: {}, title: 'dead' }), refused);
    await assert.rejects(benchmark(spec, { resultsFile, env: {}, title: 'dead', overrides: { rounds: 2 } }), refused);
    const lines = fs.readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string });
    assert.equal(lines.filter((l) => l.type === 'run').length, 1, 'fresh (the default) removed the first run');
    assert.equal(lines.filter((l) => l.type === 'request').length, 2, 'the override made it 2 rounds');
  } finally {
    removeTempDir(root);
  }
});
