/**
 * Both workshop notebooks execute headless (jupyter nbconvert + the tslab kernel, small
 * parameters, a temp cache and results folder) and their HTML holds the library's DataFrame
 * tables, plotly figures, the scored QA table and the cost table; with chromium on PATH each
 * page is rendered and every figure must have drawn. A mistyped model fails the run with the
 * library's message, one readable error, the published results untouched; session 4 runs a second
 * time on the same results folder. No notebook cell imports ../dist or ../lib. Skipped when jupyter is not
 * installed. Also unit-tests run-notebooks' parameter parsing and injection (no jupyter needed).
 */
import { findSwiftShader } from '../lib/engine/swiftshader';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { llamaCppForTests } from './helpers/llama-cpp';
import { coerce, injectParameters, parseDefaults, stripOutputs, withCellIds, writeNotebookLike } from '../scripts/notebooks/run-notebooks';
import { jupyterEnv, projectJupyterPath, writeKernelspec } from '../scripts/notebooks/kernelspec';

const ROOT = path.resolve(__dirname, '..', '..');
const onPath = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const JUPYTER = onPath('jupyter');
const SKIP = JUPYTER ? false : 'jupyter is not on PATH: apt-get install -y jupyter-nbconvert python3-nbclient jupyter-client jupyter-notebook && node_modules/.bin/tslab install --python=/usr/bin/python3';

test('run-notebooks: defaults parse and --param values are validated against their type', () => {
  const d = parseDefaults("const models = 'tiny';   // aliases\nconst rounds = 2;\nconst fresh = true;\n// comment\n");
  assert.deepEqual(d.map((x) => [x.name, x.type, x.value]), [['models', 'string', 'tiny'], ['rounds', 'number', 2], ['fresh', 'boolean', true]]);
  assert.deepEqual(coerce(d[1], '3'), { value: 3 });
  assert.ok('problem' in coerce(d[1], 'three'));
  assert.ok('problem' in coerce(d[1], ''));
  assert.ok('problem' in coerce(d[2], 'yes'));
  assert.deepEqual(coerce(d[0], '3'), { value: '3' });
  const nb = {
    metadata: {},
    cells: [
      { cell_type: 'code', source: 'const rounds = 2;', metadata: { tags: ['parameters'] } },
      { cell_type: 'code', source: 'old', metadata: { tags: ['injected-parameters'] } },
      { cell_type: 'code', source: 'console.log(rounds)', metadata: {} },
    ],
  };
  const out = injectParameters(nb, { rounds: 5, models: "a'b" });
  assert.equal(out.cells.length, 3);
  assert.deepEqual(out.cells[1].metadata.tags, ['injected-parameters']);
  assert.match([out.cells[1].source].flat().join(''), /const rounds = 5;\nconst models = "a'b";/);
});

test('run-notebooks: saved outputs are stripped back to the tracked file byte for byte; cells without ids get one', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-nbstrip-'));
  try {
    for (const file of fs.readdirSync(path.join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb') && !f.startsWith('.'))) {
      const raw = fs.readFileSync(path.join(ROOT, 'notebooks', file), 'utf8');
      const nb = JSON.parse(raw);
      assert.equal(stripOutputs(nb), null, `${file} is tracked clean (no outputs, no execution counts)`);
      const code = nb.cells.find((c: { cell_type: string }) => c.cell_type === 'code');
      code.outputs = [{ output_type: 'stream', name: 'stdout', text: ['42\n'] }];
      code.execution_count = 3;
      code.metadata.execution = { 'iopub.status.busy': '2026-01-01' };
      writeNotebookLike(path.join(tmp, file), raw, stripOutputs(nb)!);
      assert.equal(fs.readFileSync(path.join(tmp, file), 'utf8'), raw, `${file}: stripped back to the tracked bytes`);
      assert.ok(nb.cells.every((c: { id?: string }) => typeof c.id === 'string'), `${file}: every cell has an id`);
    }
    const ids = withCellIds({ metadata: {}, nbformat_minor: 4, cells: [{ cell_type: 'code', source: '', metadata: {} }, { id: 'cell-1', cell_type: 'code', source: '', metadata: {} }] });
    assert.deepEqual([ids.nbformat_minor, ...ids.cells.map((c) => c.id)], [5, 'cell-2', 'cell-1']);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

const NAMES = ['session03_benchmark_oss_models', 'session04_model_compare'];
const RUNNER = path.join(ROOT, 'dist', 'scripts', 'notebooks', 'run-notebooks.js');

test('no notebook reaches into ../dist or ../lib: everything comes from `slmlab` by name', () => {
  for (const file of fs.readdirSync(path.join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb') && !f.startsWith('.'))) {
    const nb = JSON.parse(fs.readFileSync(path.join(ROOT, 'notebooks', file), 'utf8')) as { cells: Array<{ cell_type: string; source: string | string[] }> };
    for (const c of nb.cells.filter((x) => x.cell_type === 'code')) {
      const src = [c.source].flat().join('');
      assert.doesNotMatch(src, /(from\s+|require\(\s*)['"]\.\.?\/(\.\.\/)*(dist|lib)\b/, `${file}: ${src.split('\n')[0]}`);
      assert.doesNotMatch(src, /<table|<tr>|<td>/, `${file}: hand-built HTML in a cell`);
    }
  }
});

/** Each drawn plotly figure leaves at least one svg.main-svg; an undrawn one says so in its div. */
function renderedDom(file: string): string {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-chromium-'));
  try {
    const dom = spawnSync('chromium', [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', `--user-data-dir=${profile}`,
      '--virtual-time-budget=20000', '--dump-dom', `file://${file}`,
    ], { encoding: 'utf8', timeout: 120_000, maxBuffer: 512 * 1024 * 1024 });
    assert.equal(dom.status, 0, `chromium failed: ${dom.stderr}`);
    return dom.stdout;
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** Chromium's SwiftShader: session 4's GPU section then runs webgpu on it. */
const softwareGpu = findSwiftShader() !== null;
/** The llama.cpp engine installed before the suite, if any (test/helpers/llama-cpp.ts). */
const llama = llamaCppForTests();

test('the notebooks execute headless and render DataFrame tables, plotly figures, the scored QA, RAG and cost tables', { skip: SKIP, timeout: 620_000 }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-notebooks-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, SLMLAB_CACHE_DIR: path.join(tmp, 'cache'), SLMLAB_RESULTS_DIR: path.join(tmp, 'results') };
    for (const v of ['BENCH_MODELS', 'BENCH_ROUNDS', 'BENCH_PROMPT', 'BENCH_MAX_TOKENS', 'SLM_ALIAS', 'LLM_ALIAS', 'COMPARE_PROMPT', 'FOUNDRY_LOCAL_ENDPOINT']) delete env[v];
    // Session 4's GPU section on the software adapter (tiny on SwiftShader, issue 18), where Chromium ships one.
    if (softwareGpu) env.SESSION04_SOFTWARE_GPU = '1'; else delete env.SESSION04_SOFTWARE_GPU;
    // Session 3b runs llama.cpp where the suite has it installed (CI does), whatever the temporary cache.
    if (llama.skip === false) env.SLMLAB_ENGINES_DIR = path.dirname(llama.dir);
    // Small parameters: tiny (the 0.2 MB test model) and the smallest twin, a few tokens, one round.
    const params = ['--param', 'rounds=1', '--param', 'maxTokens=6', '--param', 'slm=tiny', '--param', 'llm=qwen2.5-0.5b-twin',
      '--param', 'refineMaxTokens=6', '--param', 'qaMaxTokens=4', '--param', 'qaRounds=1'];
    const r = spawnSync(process.execPath, [RUNNER,
      '--param', 'models=tiny', '--param', 'askModel=tiny', '--param', 'prompts=workshop#rag-brief', '--param', 'warmup=0', '--param', 'shape=tiny', ...params,
    ], { cwd: ROOT, env, encoding: 'utf8', timeout: 400_000 });
    assert.equal(r.status, 0, `run-notebooks failed:\n${r.stdout}\n${r.stderr}`);
    const html = (n: string) => path.join(tmp, 'results', `${n}.html`);
    for (const n of NAMES) {
      const page = fs.readFileSync(html(n), 'utf8');
      assert.match(page, /<table class="slmlab-table" data-source="polars"/, `${n}: no DataFrame table from the library`);
      assert.ok(page.includes('class="slmlab-plot"'), `${n}: no plotly figure`);
      assert.ok(fs.existsSync(path.join(tmp, 'results', n.startsWith('session03') ? 'session03' : 'session04', 'summary.md')), `${n}: no exported summary.md`);
    }
    // plotly.js travels with every figure cell (re-running one, or keeping only some outputs, still draws).
    const s3 = fs.readFileSync(html(NAMES[0]), 'utf8');
    assert.ok((s3.match(/data-slmlab="plotly\.js\.gz"/g) ?? []).length >= 3, 'session03: plotly.js inlined once per figure cell');
    assert.match(s3, /<table class="slmlab-table" data-source="danfo"/, 'session03: a danfo frame as a cell\'s last value renders as a table');
    assert.doesNotMatch(s3, /shape: \(\d+, \d+\)/, 'session03: no polars box text');
    assert.match(s3, /<td[^>]*>tiny \(synthetic\)<\/td>/, 'session03: a synthetic model\'s row says so in the lesson table');
    const s4 = fs.readFileSync(html(NAMES[1]), 'utf8').replace(/<wbr>/g, ''); // long headers may break after '_'
    assert.match(s4, /answers counted right under each rule/);
    if (softwareGpu) {
      assert.match(s4, /software adapter — correctness only, not GPU speed/, 'session 4: the GPU on/off comparison on the software adapter, labelled');
      assert.match(s4, /webgpu vs cpu/, 'session 4: the on/off comparison row');
    }
    assert.match(s4, /<th[^>]*>normalised_rate<\/th>/, 'the scored QA table');
    assert.match(s4, /<th[^>]*>priced_as<\/th>/, 'the cost table');
    assert.match(s4, /<th[^>]*>load_ms<\/th>/, 'draft-refine load times');
    assert.match(s4, /the \d best passages for: /, 'the RAG section: retrieve() on the workshop DOCS as a table');
    assert.match(s4, /Answer using ONLY the provided context/, 'the RAG section: the prompt as the chat page builds it');
    // Session 3b: both engines on the same weights; each row's memory is its own engine process.
    const s3b = fs.readFileSync(html('session03b_two_engines'), 'utf8').replace(/<wbr>/g, '');
    assert.match(s3b, /<table class="slmlab-table" data-source="polars"/, 'session03b: the grid table');
    assert.match(s3b, /<th[^>]*>model_peak_rss_mb<\/th>/, 'session03b: the engine process memory column');
    if (llama.skip === false) assert.match(s3b, /first token sooner on/, 'session03b: the conclusion computed from both engines');
    else assert.match(s3b, /llama\.cpp is not installed here/);
    // The deployment module's notebook (quantise, register, compare, sweep) runs in the same pass.
    const dq = fs.readFileSync(html('deploy_quantize'), 'utf8');
    assert.ok(dq.includes('class="slmlab-plot"'), 'deploy_quantize: no plotly figure');
    // A class re-runs notebooks all day: session 4 again on the same results (its export once
    // refused to replace the previous run's results.jsonl). The run is staged and then published whole.
    const s4dir = path.join(tmp, 'results', 'session04');
    const firstReport = fs.statSync(path.join(s4dir, 'report.html')).mtimeMs;
    const again = spawnSync(process.execPath, [RUNNER, '--notebook', 'session04', ...params], { cwd: ROOT, env, encoding: 'utf8', timeout: 200_000 });
    assert.equal(again.status, 0, `session04 a second time failed:\n${again.stdout}\n${again.stderr}`);
    assert.ok(fs.statSync(path.join(s4dir, 'report.html')).mtimeMs > firstReport, 'the second run published a new report');
    assert.equal(fs.readFileSync(path.join(s4dir, 'results.jsonl'), 'utf8'), fs.readFileSync(path.join(s4dir, 'compare.jsonl'), 'utf8'), 'the report describes this run\'s data');
    assert.ok(fs.existsSync(path.join(s4dir, 'rubric.json')), 'the class\'s rubric file carries over');
    assert.deepEqual(fs.readdirSync(path.join(tmp, 'results')).filter((f) => f.startsWith('.') || f === 'failed'), [], 'no staging or failed folder left');
    assert.doesNotMatch(again.stderr, /MissingIDFieldWarning/);
    if (!onPath('chromium')) return;
    for (const n of NAMES) {
      const dom = renderedDom(html(n));
      // Plotly adds its own classes to a div it drew on ("slmlab-plot js-plotly-plot").
      const plots = (dom.match(/class="slmlab-plot[ "]/g) ?? []).length;
      assert.ok(plots > 0);
      assert.doesNotMatch(dom, /class="slmlab-plot"[^>]*>plotly\.js did not load/, `${n}: a figure had no plotly.js`);
      assert.ok((dom.match(/class="main-svg"/g) ?? []).length >= plots, `${n}: ${plots} figure(s) but fewer plotly SVGs`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a mistyped model fails the notebook with the library\'s message, and the runner exits non-zero', { skip: SKIP, timeout: 200_000 }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-notebooks-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, SLMLAB_CACHE_DIR: path.join(tmp, 'cache'), SLMLAB_RESULTS_DIR: path.join(tmp, 'results') };
    delete env.BENCH_MODELS;
    // A previous complete run's results: a failed run must leave them as they were.
    fs.mkdirSync(path.join(tmp, 'results', 'session03'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'results', 'session03', 'results.jsonl'), 'previous run\n');
    const r = spawnSync(process.execPath, [RUNNER, '--notebook', 'session03', '--param', 'models=qwen2.5-0.5-twin', '--param', 'askModel=tiny', '--param', 'maxTokens=4'],
      { cwd: ROOT, env, encoding: 'utf8', timeout: 190_000 });
    assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /GridError \[invalid_request\]: .*'qwen2\.5-0\.5-twin' is not in the catalog \(did you mean 'qwen2\.5-0\.5b-twin'/);
    assert.match(r.stderr, /session03_benchmark_oss_models FAILED/);
    // One readable error: no nbclient traceback wall, no nbformat id warning.
    assert.doesNotMatch(r.stderr, /Traceback \(most recent call last\)|CellExecutionError|MissingIDFieldWarning/);
    assert.match(r.stderr, /notebook cell \d+ \(id s3-18\) failed/);
    assert.equal(fs.readFileSync(path.join(tmp, 'results', 'session03', 'results.jsonl'), 'utf8'), 'previous run\n', 'the published results are untouched');
    assert.match(fs.readFileSync(path.join(tmp, 'results', 'failed', 'session03_benchmark_oss_models', 'FAILED.txt'), 'utf8'), /partial results, not a report/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a DataFrame as a cell\'s last value is its table alone: no empty stdout line under it', { skip: SKIP, timeout: 120_000 }, () => {
  // A two-cell notebook next to the workshop's (so `slmlab/notebook` resolves the same way), run to .ipynb.
  const name = `.display.run-${process.pid}`;
  const file = path.join(ROOT, 'notebooks', `${name}.ipynb`);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-display-'));
  const cell = (id: string, source: string) => ({ cell_type: 'code', execution_count: null, id, metadata: {}, outputs: [], source });
  fs.writeFileSync(file, JSON.stringify({
    nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    cells: [cell('a', "import 'slmlab/notebook';\nimport pl from 'nodejs-polars';"), cell('b', "pl.DataFrame({ model: ['tiny'], ms: [1.5] })")],
  }));
  try {
    writeKernelspec(projectJupyterPath());
    const r = spawnSync('jupyter', ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.kernel_name=tslab', '--output-dir', out, '--output', 'run', file],
      { env: jupyterEnv(process.env), encoding: 'utf8', timeout: 110_000 });
    assert.equal(r.status, 0, r.stderr);
    const done = JSON.parse(fs.readFileSync(path.join(out, 'run.ipynb'), 'utf8')) as { cells: Array<{ outputs: Array<{ output_type: string; name?: string; data?: Record<string, unknown> }> }> };
    const outputs = done.cells[1].outputs;
    assert.ok(outputs.some((o) => o.output_type === 'display_data' && /slmlab-table/.test([o.data?.['text/html'] ?? ''].flat().join(''))), `the table is displayed: ${JSON.stringify(outputs).slice(0, 300)}`);
    assert.deepEqual(outputs.filter((o) => o.output_type === 'stream'), [], 'no stdout line after the table');
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(out, { recursive: true, force: true });
  }
});
