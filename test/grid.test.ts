import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  GridError, applyEnvOverrides, cartesian, describeWork, expandGrid, formatDryRun, gridHash, gridProblems, loadGrid,
  loadGroupKey, loadPromptLibrary, loadPromptSet, promptSetProblems, resolveGrid, schedule, validateGrid,
  DEFAULT_GRIDS_DIR, DEFAULT_PROMPTS_DIR, type Cell, type GridSpec, type PromptSet,
} from '../lib/bench/grid';
import { loadCatalog } from '../lib/catalog';

const library = loadPromptLibrary();

/** Two one-prompt inline sets, so tests do not depend on the shipped prompt files. */
const setA: PromptSet = { id: 'a', description: 'set a', prompts: [{ id: 'p', messages: [{ role: 'user', content: 'Say A.' }] }] };
const setB: PromptSet = { id: 'b', description: 'set b', prompts: [{ id: 'p', messages: [{ role: 'user', content: 'Say B.' }] }] };

/** Asserts that `fn` throws a GridError whose problems include one at `at` matching `pattern`. */
function throwsAt(fn: () => unknown, at: string, pattern: RegExp): GridError {
  let caught: unknown;
  try { fn(); } catch (e) { caught = e; }
  assert.ok(caught instanceof GridError, `expected GridError, got ${String(caught)}`);
  const hit = caught.problems.find((p) => p.startsWith(`${at}:`));
  assert.ok(hit, `no problem at ${at}; got:\n${caught.problems.join('\n')}`);
  assert.match(hit, pattern);
  assert.ok(caught.message.includes(hit), 'the message lists the problem');
  return caught;
}

// ---------------------------------------------------------------- validation

test('validateGrid lists every problem at once, each with its JSON path', () => {
  const bad = {
    models: ['tiny', 'tiny'],
    endpoints: ['ftp://example.com'],
    providers: ['cpu', 'tpu'],
    precisions: ['int3'],
    threads: [-1],
    maxTokens: 0,
    temperature: [0, 3],
    seed: 1.5,
    concurrency: [0],
    rounds: 0,
    warmup: -1,
    stream: 'yes',
    max_tokens: 64,
    prompts: ['workshop', 'no such!', { id: 'x', description: 'd', prompts: [{ id: 'q', messages: [{ role: 'robot', content: '' }] }] }],
    compare: { slm: 'tiny', llm: 'phi-4-mini-twin' },
  };
  const problems = gridProblems(bad);
  const expect: [string, RegExp][] = [
    ['models[1]', /duplicate model "tiny" \(also at models\[0\]\)/],
    ['endpoints[0]', /"embedded" or an http\(s\) base URL/],
    ['providers[1]', /unknown execution provider "tpu"; use one of: cpu, webgpu, cuda/],
    ['precisions[0]', /expected one of fp32, fp16, bf16, int8, int4/],
    ['threads[0]', /integer from 0 to 1024, got -1/],
    ['maxTokens', /integer from 1 to/],
    ['temperature[1]', /number from 0 to 2, got 3/],
    ['seed', /expected an integer/],
    ['concurrency[0]', /integer from 1 to 1024/],
    ['rounds', /integer from 1 to/],
    ['warmup', /integer from 0 to/],
    ['stream', /expected true or false/],
    ['max_tokens', /unknown field \(did you mean "maxTokens"\?\)/],
    ['prompts[1]', /"set" or "set#prompt"/],
    ['prompts[2].prompts[0].messages[0].role', /expected one of system, user, assistant, got "robot"/],
    ['prompts[2].prompts[0].messages[0].content', /non-empty string/],
    ['compare.llm', /"phi-4-mini-twin" is not in models/],
  ];
  for (const [at, pattern] of expect) {
    const hit = problems.find((p) => p.startsWith(`${at}:`));
    assert.ok(hit, `no problem at ${at}; got:\n${problems.join('\n')}`);
    assert.match(hit, pattern);
  }
  assert.equal(problems.length, expect.length, problems.join('\n'));
  const e = throwsAt(() => validateGrid(bad, { file: 'bad-grid.json' }), 'rounds', /integer/);
  assert.equal(e.code, 'invalid_request');
  assert.match(e.message, /^grid bad-grid\.json has 17 problems; fix these entries/);
});

test('validateGrid requires models unless compare names them, and accepts a minimal grid', () => {
  throwsAt(() => validateGrid({}), 'models', /required/);
  throwsAt(() => validateGrid([]), '(root)', /expected a grid object/);
  assert.deepEqual(gridProblems({ models: 'tiny' }), []);
  assert.deepEqual(gridProblems({ compare: { slm: 'tiny', llm: 'qwen2.5-0.5b-twin' } }), []);
  throwsAt(() => validateGrid({ compare: { slm: 'tiny', llm: 'TINY' } }), 'compare.llm', /same model as compare\.slm/);
});

test('with a catalog, models meant for the embedded service must exist; URL endpoints and folders are not checked', () => {
  const catalog = loadCatalog();
  throwsAt(() => validateGrid({ models: ['tiny', 'qwen2.5-0.5-twin'] }, { catalog }), 'models[1]', /not in the catalog \(did you mean 'qwen2\.5-0\.5b-twin'/);
  assert.deepEqual(gridProblems({ models: ['llama3.2:1b'], endpoints: ['http://127.0.0.1:11434'] }, { catalog }), []);
  assert.deepEqual(gridProblems({ models: ['./my-model', 'tiny-generic-cpu:1'] }, { catalog }), []);
});

test('resolveGrid applies the documented defaults and canonical spellings', () => {
  const g = resolveGrid({ models: 'tiny', providers: ['CUDAExecutionProvider'], endpoints: 'http://127.0.0.1:5273/' });
  assert.deepEqual(g, {
    name: 'grid', description: '', models: ['tiny'], endpoints: ['http://127.0.0.1:5273/v1'], providers: ['cuda'], engines: ['onnxruntime'],
    precisions: ['int4'], threads: [0], logits: ['all'], prompts: ['workshop'], maxTokens: [128], temperature: [0], seed: [0],
    concurrency: [1], rate: [null], inputTokens: [null], mode: 'rounds', rounds: 3, warmup: 1, cooldown: 0,
    arrivals: 'poisson', burstiness: 1, maxConcurrency: null, stream: true, compare: null,
  });
  assert.deepEqual(resolveGrid({ compare: { slm: 'a', llm: 'b' } }).models, ['a', 'b']);
});

test('shipped grids and prompt sets are valid, and the workshop prompts are there verbatim', () => {
  const grids = fs.readdirSync(DEFAULT_GRIDS_DIR).filter((n) => n.endsWith('.json'));
  assert.ok(['default.json', 'session03.json', 'session04.json'].every((n) => grids.includes(n)));
  for (const name of grids) {
    const spec = loadGrid(path.join(DEFAULT_GRIDS_DIR, name));
    assert.ok(expandGrid(spec, library).length > 0, name);
  }
  assert.equal(loadGrid('default').name, 'default');
  const workshop = loadPromptSet(path.join(DEFAULT_PROMPTS_DIR, 'workshop.json'));
  const texts = workshop.prompts.map((p) => p.messages[p.messages.length - 1].content);
  assert.ok(texts.includes('Explain retrieval augmented generation briefly.'));
  assert.ok(texts.includes('List 5 benefits of local AI inference.'));
  const qa = library.find((s) => s.id === 'qa-deterministic');
  assert.ok(qa);
  assert.equal(qa.prompts.length, 10);
  assert.ok(qa.prompts.every((p) => typeof p.expected === 'string' && p.expected.length > 0));
  const s04 = loadGrid('session04');
  assert.deepEqual(expandGrid(s04, library).map((c) => c.role), ['slm', 'llm']);
});

test('loadGrid names the file and every problem; prompt sets are validated the same way', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-grid-'));
  const file = path.join(dir, 'broken.json');
  fs.writeFileSync(file, JSON.stringify({ models: ['tiny'], rounds: 'three' }));
  const e = throwsAt(() => loadGrid(file), 'rounds', /integer from 1/);
  assert.equal(e.file, file);
  assert.match(e.message, /broken\.json/);
  fs.writeFileSync(file, '{ "models": [');
  assert.throws(() => loadGrid(file), /is not valid JSON/);
  assert.throws(() => loadGrid('no-such-grid'), /shipped grid name \(.*default.*\)/);

  const problems = promptSetProblems({ id: 'S', description: 'x', prompts: [
    { id: 'a', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] },
    { id: 'a', messages: [{ role: 'user', content: 'hi' }], expected: 3 },
  ] });
  assert.deepEqual(problems.map((p) => p.slice(0, p.indexOf(':'))), ['id', 'prompts[0].messages[1]', 'prompts[1].id', 'prompts[1].expected']);
  assert.match(problems[1], /last message must be the user's/);
  fs.rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- environment

test('each workshop variable overrides its field and is reported', () => {
  const spec: GridSpec = { models: ['tiny'], prompts: ['workshop'], maxTokens: 64, rounds: 3 };
  const r = applyEnvOverrides(spec, {
    BENCH_MODELS: ' phi-4-mini , qwen2.5-0.5b ,',
    BENCH_ROUNDS: '5',
    BENCH_PROMPT: 'Why is the sky blue?',
    BENCH_MAX_TOKENS: '120',
    BENCH_TEMPERATURE: '0.2',
    BENCH_STREAM: '0',
    FOUNDRY_LOCAL_ENDPOINT: 'http://127.0.0.1:5273',
    UNRELATED: 'x',
  });
  assert.deepEqual(r.spec.models, ['phi-4-mini', 'qwen2.5-0.5b']);
  assert.equal(r.spec.rounds, 5);
  assert.deepEqual(r.spec.maxTokens, [120]);
  assert.deepEqual(r.spec.temperature, [0.2]);
  assert.equal(r.spec.stream, false);
  assert.deepEqual(r.spec.endpoints, ['http://127.0.0.1:5273/v1']);
  const cells = expandGrid(r.spec, library);
  assert.equal(cells.length, 2);
  assert.deepEqual(cells[0].messages, [{ role: 'user', content: 'Why is the sky blue?' }]);
  assert.deepEqual(r.applied.map((a) => a.variable).sort(),
    ['BENCH_MAX_TOKENS', 'BENCH_MODELS', 'BENCH_PROMPT', 'BENCH_ROUNDS', 'BENCH_STREAM', 'BENCH_TEMPERATURE', 'FOUNDRY_LOCAL_ENDPOINT']);
  assert.equal(r.applied.find((a) => a.variable === 'BENCH_ROUNDS')?.effect, 'rounds = 5');
  assert.deepEqual(r.ignored, []);
  assert.deepEqual(spec.models, ['tiny'], 'the input spec is not changed');
  // with or without /v1, same endpoint; empty variables count as unset
  assert.deepEqual(applyEnvOverrides(spec, { FOUNDRY_LOCAL_ENDPOINT: 'http://127.0.0.1:5273/v1/' }).spec.endpoints, ['http://127.0.0.1:5273/v1']);
  const none = applyEnvOverrides(spec, { BENCH_ROUNDS: '', BENCH_MODELS: '  ' });
  assert.deepEqual(none.applied, []);
  assert.equal(gridHash(none.spec), gridHash(spec));
});

test('bad variable values are all rejected together, each naming the variable and what it expects', () => {
  let caught: unknown;
  try {
    applyEnvOverrides({ models: ['tiny'] }, {
      BENCH_ROUNDS: '0', BENCH_MAX_TOKENS: '12x', BENCH_TEMPERATURE: '3', BENCH_STREAM: 'yes',
      FOUNDRY_LOCAL_ENDPOINT: 'localhost:5273', BENCH_MODELS: ',,',
    });
  } catch (e) { caught = e; }
  assert.ok(caught instanceof GridError);
  const byVar = Object.fromEntries(caught.problems.map((p) => [p.slice(0, p.indexOf(':')), p]));
  assert.match(byVar.BENCH_ROUNDS, /expected an integer >= 1, got "0"/);
  assert.match(byVar.BENCH_MAX_TOKENS, /expected an integer >= 1, got "12x"/);
  assert.match(byVar.BENCH_TEMPERATURE, /number from 0 to 2, got "3"/);
  assert.match(byVar.BENCH_STREAM, /"1" \(stream\) or "0"/);
  assert.match(byVar.FOUNDRY_LOCAL_ENDPOINT, /http\(s\) URL .*foundry service status/);
  assert.match(byVar.BENCH_MODELS, /comma-separated list/);
  assert.match(caught.message, /the environment has 6 problems; fix or unset these variables/);
  assert.throws(() => applyEnvOverrides({ models: ['tiny'] }, { BENCH_ROUNDS: '2.5' }), /BENCH_ROUNDS: expected an integer >= 1, got "2\.5"/);
});

test('SLM_ALIAS, LLM_ALIAS and COMPARE_PROMPT drive a compare grid and are ignored, with the reason, elsewhere', () => {
  const compare: GridSpec = { compare: { slm: 'qwen2.5-0.5b-twin', llm: 'qwen2.5-1.5b-twin' }, prompts: ['workshop#local-ai-benefits'] };
  const r = applyEnvOverrides(compare, { SLM_ALIAS: 'phi-4-mini', LLM_ALIAS: 'qwen2.5-7b', COMPARE_PROMPT: 'Name 3 rivers.', BENCH_PROMPT: 'x', BENCH_MODELS: 'tiny' });
  assert.deepEqual(r.spec.compare, { slm: 'phi-4-mini', llm: 'qwen2.5-7b' });
  const cells = expandGrid(r.spec, library);
  assert.deepEqual(cells.map((c) => [c.model, c.role, c.messages[0].content]), [['phi-4-mini', 'slm', 'Name 3 rivers.'], ['qwen2.5-7b', 'llm', 'Name 3 rivers.']]);
  assert.deepEqual(r.ignored.map((i) => i.variable).sort(), ['BENCH_MODELS', 'BENCH_PROMPT']);
  // an explicit models list is updated in place
  const listed = applyEnvOverrides({ ...compare, models: ['qwen2.5-0.5b-twin', 'qwen2.5-1.5b-twin'] }, { LLM_ALIAS: 'phi-4-mini-twin' });
  assert.deepEqual(listed.spec.models, ['qwen2.5-0.5b-twin', 'phi-4-mini-twin']);
  assert.throws(() => applyEnvOverrides(compare, { LLM_ALIAS: 'QWEN2.5-0.5B-twin' }), /both "qwen2\.5-0\.5b-twin"/);
  const plain = applyEnvOverrides({ models: ['tiny'] }, { SLM_ALIAS: 'a', LLM_ALIAS: 'b', COMPARE_PROMPT: 'c' });
  assert.deepEqual(plain.applied, []);
  assert.equal(plain.ignored.length, 3);
  assert.ok(plain.ignored.every((i) => /no compare section/.test(i.reason)));
});

// ---------------------------------------------------------------- hashing

test('gridHash ignores key order, spelled-out defaults and labels, and changes with any setting', () => {
  const a: GridSpec = { models: ['tiny'], providers: ['cpu'], maxTokens: [64], prompts: [setA] };
  const reordered = JSON.parse(JSON.stringify({ prompts: [{ prompts: setA.prompts, description: setA.description, id: 'a' }], maxTokens: 64, providers: 'CPUExecutionProvider', models: 'tiny' })) as GridSpec;
  const explicit: GridSpec = { ...a, endpoints: ['embedded'], precisions: ['int4'], threads: [0], temperature: [0], seed: [0], concurrency: [1], rounds: 3, warmup: 1, stream: true, name: 'renamed', description: 'words' };
  const h = gridHash(a);
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.equal(gridHash(reordered), h);
  assert.equal(gridHash(explicit), h);
  assert.notEqual(gridHash({ ...a, maxTokens: [65] }), h);
  assert.notEqual(gridHash({ ...a, rounds: 4 }), h);
  assert.notEqual(gridHash({ ...a, providers: ['cpu', 'cuda'] }), h);
  assert.notEqual(gridHash({ ...a, prompts: [{ ...setA, prompts: [{ id: 'p', messages: [{ role: 'user', content: 'Say C.' }] }] }] }), h);
  // cells carry the hash with named prompt sets bound to their content
  const named: GridSpec = { models: ['tiny'], prompts: ['a'] };
  const edited: PromptSet[] = [{ ...setA, prompts: [{ id: 'p', messages: [{ role: 'user', content: 'Say A!' }] }] }];
  assert.equal(expandGrid(named, [setA])[0].gridHash, gridHash(named, [setA]));
  assert.notEqual(gridHash(named, [setA]), gridHash(named, edited));
});

// ---------------------------------------------------------------- expansion and order

test('cartesian builds the product with the first axis varying slowest', () => {
  assert.deepEqual(cartesian({ m: ['a', 'b'], p: [1, 2] }), [{ m: 'a', p: 1 }, { m: 'a', p: 2 }, { m: 'b', p: 1 }, { m: 'b', p: 2 }]);
  assert.deepEqual(cartesian({ m: ['a'], p: [] }), []);
  assert.deepEqual(cartesian({}), [{}]);
});

const big: GridSpec = {
  models: ['m1', 'm2'], endpoints: ['embedded', 'http://127.0.0.1:5273'], providers: ['cpu', 'cuda', 'webgpu'],
  precisions: ['int4', 'fp32'], threads: [0, 2], prompts: [setA, setB], maxTokens: [16, 32], temperature: [0, 0.7],
  seed: [1, 2], concurrency: [1, 2], rounds: 2, warmup: 1,
};

test('expansion makes one cell per point of the product, with distinct stable ids', () => {
  const cells = expandGrid(big);
  assert.equal(cells.length, 2 * 2 * 3 * 2 * 2 * 2 * 2 * 2 * 2 * 2);
  assert.equal(new Set(cells.map((c) => c.cellId)).size, cells.length);
  assert.deepEqual(cells.map((c) => c.index), cells.map((_, i) => i));
  assert.deepEqual(expandGrid(big).map((c) => c.cellId), cells.map((c) => c.cellId), 'ids are stable');
  // rounds and warmup count requests: the cell keeps its id when they change
  assert.deepEqual(expandGrid({ ...big, rounds: 7, warmup: 0 }).map((c) => c.cellId), cells.map((c) => c.cellId));
  assert.ok(cells.every((c) => c.gridHash === cells[0].gridHash && c.rounds === 2 && c.warmup === 1));
  const c0 = cells[0];
  assert.deepEqual({ ...c0, cellId: '', gridHash: '' }, {
    cellId: '', gridHash: '', index: 0, endpoint: 'embedded', model: 'm1', provider: 'cpu', engine: 'onnxruntime', precision: 'int4', threads: 0, logits: 'all',
    promptSetId: 'a', promptId: 'p', messages: [{ role: 'user', content: 'Say A.' }], expected: null, maxTokens: 16,
    temperature: 0, seed: 1, stream: true, concurrency: 1, rate: null, inputTokens: null, mode: 'rounds', arrivals: 'poisson',
    burstiness: 1, maxConcurrency: null, rounds: 2, warmup: 1, cooldown: 0, role: null,
  });
  assert.throws(() => expandGrid({ models: ['tiny'], prompts: ['workshop', 'workshop#rag-brief'] }, library), /workshop#rag-brief is listed twice/);
  assert.throws(() => expandGrid({ models: ['tiny'], prompts: ['nope'] }, library), /no prompt set "nope" \(known: qa-deterministic, workshop\)/);
  assert.throws(() => expandGrid({ models: ['tiny'], prompts: ['workshop#nope'] }, library), /has no prompt "nope"/);
});

test("the logits axis ('all' | 'last') is a load axis, quiet at its default, validated, and in the dry run", () => {
  const base: GridSpec = { models: ['m'], prompts: [setA] };
  const plain = expandGrid(base);
  assert.equal(plain[0].logits, 'all', "benchmarks measure the model's own graph by default");
  assert.deepEqual(expandGrid({ ...base, logits: ['all'] }).map((c) => c.cellId), plain.map((c) => c.cellId), 'the default keeps cell ids');
  assert.equal(gridHash({ ...base, logits: 'all' }), gridHash(base), 'and the grid hash');
  const both = expandGrid({ ...base, logits: ['all', 'last'] });
  assert.deepEqual(both.map((c) => c.logits), ['all', 'last']);
  assert.notEqual(both[0].cellId, both[1].cellId);
  assert.notEqual(loadGroupKey(both[0]), loadGroupKey(both[1]), 'each logits mode is its own load');
  throwsAt(() => validateGrid({ ...base, logits: ['last', 'first'] as never }), 'logits[1]', /expected 'all'.*'last'.*or 'last-int8prefill'/);
  // The opt-in int8 prefill is a value of the same axis, so every record of its cells names it.
  const int8 = expandGrid({ ...base, logits: ['last', 'last-int8prefill'] });
  assert.deepEqual(int8.map((c) => c.logits), ['last', 'last-int8prefill']);
  assert.notEqual(loadGroupKey(int8[0]), loadGroupKey(int8[1]), 'int8 prefill is its own load');
  throwsAt(() => validateGrid({ ...base, logits: ['last', 'last'] }), 'logits[1]', /duplicate logits mode/);
  assert.match(formatDryRun(both), /logits/);
});

/** How many times the load key changes along the cell order (1 + switches) = loads the runner performs. */
function loadsInOrder(cells: Cell[]): number {
  return cells.reduce((n, c, i) => n + (i === 0 || loadGroupKey(c) !== loadGroupKey(cells[i - 1]) ? 1 : 0), 0);
}

test('cells are ordered so each load (endpoint, threads, model, provider, precision) happens once', () => {
  const cells = expandGrid(big);
  const distinct = new Set(cells.map(loadGroupKey)).size;
  assert.equal(distinct, 2 * 2 * 2 * 3 * 2);
  assert.equal(loadsInOrder(cells), distinct);
  assert.equal(describeWork(cells).loads, distinct);
  // every load group is one contiguous run, and threads change least often within an endpoint
  const threadSwitches = cells.filter((c, i) => i > 0 && c.threads !== cells[i - 1].threads).length;
  assert.equal(threadSwitches, 2 * 2 - 1);
});

// ---------------------------------------------------------------- schedule

test('schedule: warmups first, then rounds interleaved across the cells of a load (exact order)', () => {
  const cells = expandGrid({ models: ['m'], prompts: [setA, setB], rounds: 3, warmup: 1 });
  assert.equal(cells.length, 2);
  const [A, B] = cells.map((c) => c.cellId);
  const plan = schedule(cells);
  assert.deepEqual(plan.map((r) => [r.cellId, r.kind, r.round]), [
    [A, 'warmup', 1], [B, 'warmup', 1],
    [A, 'measure', 1], [B, 'measure', 1],
    [A, 'measure', 2], [B, 'measure', 2],
    [A, 'measure', 3], [B, 'measure', 3],
  ]);
  assert.deepEqual(plan.map((r) => r.seq), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(new Set(plan.map((r) => r.key)).size, plan.length);
  assert.equal(plan[2].key, `${cells[0].gridHash}:${A}:measure:1:0`);
  // 'none' runs cell after cell, as llama-bench does
  assert.deepEqual(schedule(cells, { interleave: 'none' }).map((r) => [r.cellId, r.kind, r.round]), [
    [A, 'warmup', 1], [A, 'measure', 1], [A, 'measure', 2], [A, 'measure', 3],
    [B, 'warmup', 1], [B, 'measure', 1], [B, 'measure', 2], [B, 'measure', 3],
  ]);
});

test("schedule 'model' interleaves providers of one model; concurrency gives one request per slot", () => {
  const cells = expandGrid({ models: ['m1', 'm2'], providers: ['cpu', 'cuda'], prompts: [setA], rounds: 2, warmup: 1 });
  const name = (r: { cell: Cell; kind: string; round: number }) => `${r.cell.model}/${r.cell.provider}/${r.kind[0]}${r.round}`;
  assert.deepEqual(schedule(cells, { interleave: 'model' }).map(name), [
    'm1/cpu/w1', 'm1/cuda/w1', 'm1/cpu/m1', 'm1/cuda/m1', 'm1/cpu/m2', 'm1/cuda/m2',
    'm2/cpu/w1', 'm2/cuda/w1', 'm2/cpu/m1', 'm2/cuda/m1', 'm2/cpu/m2', 'm2/cuda/m2',
  ]);
  assert.deepEqual(schedule(cells).map(name).slice(0, 6), ['m1/cpu/w1', 'm1/cpu/m1', 'm1/cpu/m2', 'm1/cuda/w1', 'm1/cuda/m1', 'm1/cuda/m2']);
  const conc = schedule(expandGrid({ models: ['m'], prompts: [setA], concurrency: 3, rounds: 2, warmup: 0 }));
  assert.deepEqual(conc.map((r) => `${r.round}.${r.slot}`), ['1.0', '1.1', '1.2', '2.0', '2.1', '2.2']);
  assert.equal(describeWork(expandGrid({ models: ['m'], prompts: [setA], concurrency: 3, rounds: 2, warmup: 0 })).requests.total, 6);
});

// ---------------------------------------------------------------- dry run

test('the dry run lists every cell, the shared settings and the work', () => {
  const cells = expandGrid({ models: ['tiny', 'qwen2.5-0.5b-twin'], providers: ['cpu', 'cuda'], prompts: ['workshop'], maxTokens: 64 }, library);
  const text = formatDryRun(cells);
  for (const c of cells) assert.ok(text.includes(c.cellId), `missing ${c.cellId}`);
  assert.ok(text.includes(cells[0].gridHash));
  assert.match(text, /same for every cell: endpoint embedded · threads auto · precision int4 · max_tokens 64/);
  const w = describeWork(cells);
  assert.equal(w.cells, 20);
  assert.equal(w.loads, 4);
  assert.deepEqual(w.requests, { warmup: 20, measured: 60, total: 80 });
  assert.equal(w.estimatedTokens.completion, 80 * 64);
  assert.ok(w.estimatedTokens.prompt > 80 * 8);
  assert.match(text, /20 cells · 4 model loads · 80 requests \(20 warmup \+ 60 measured\)/);
  const rows = text.split('\n').filter((l) => /^\d+\s+\d+\s/.test(l));
  assert.equal(rows.length, cells.length);
  assert.equal(formatDryRun([]), 'no cells: the grid is empty');
});

test('a grid with inline prompt sets has one hash, with or without a library', () => {
  const spec: GridSpec = { models: ['tiny'], prompts: [setA, setB] };
  assert.equal(expandGrid(spec)[0].gridHash, gridHash(spec));
  assert.equal(gridHash(spec, library), gridHash(spec));
});

test('environment overrides can be checked against the catalog', () => {
  assert.throws(() => applyEnvOverrides({ models: ['tiny'] }, { BENCH_MODELS: 'tiny,qwen-nope' }, { catalog: loadCatalog(), file: 'g.json' }),
    /g\.json with environment overrides has 1 problem.*\n.*models\[1\]: model 'qwen-nope' is not in the catalog/);
});
