/**
 * Both workshop notebooks execute headless (jupyter nbconvert + the tslab kernel) and their HTML
 * shows rendered tables and plotly figures; with chromium on PATH, session03's page is rendered
 * and must contain plotly's SVG (a plot really drew). Skipped when jupyter is not installed.
 * Also unit-tests run-notebooks' parameter parsing and injection (no jupyter needed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { coerce, injectParameters, parseDefaults } from '../scripts/run-notebooks';

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

test('notebooks execute headless and render tables and plots', { skip: SKIP, timeout: 300_000 }, () => {
  const html = (n: string) => path.join(ROOT, 'reports', `${n}.html`);
  const names = ['session03_benchmark_oss_models', 'session04_model_compare'];
  for (const n of names) fs.rmSync(html(n), { force: true });
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [
    path.join(ROOT, 'dist', 'scripts', 'run-notebooks.js'),
    '--param', 'models=tiny', '--param', 'rounds=2', '--param', 'maxTokens=8',
    '--param', 'qaMaxTokens=8', '--param', 'refineMaxTokens=8',
  ], { cwd: ROOT, encoding: 'utf8', timeout: 280_000 });
  const secs = (Date.now() - t0) / 1000;
  assert.equal(r.status, 0, `run-notebooks failed (${secs.toFixed(0)} s):\n${r.stdout}\n${r.stderr}`);
  for (const n of names) {
    const page = fs.readFileSync(html(n), 'utf8');
    assert.ok(page.includes('<table'), `${n}: no rendered table`);
    assert.ok(page.includes('class="slmlab-plot"') && page.includes('Plotly.newPlot'), `${n}: no plotly figure div`);
  }

  if (!onPath('chromium')) return;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-chromium-'));
  try {
    const dom = spawnSync('chromium', [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', `--user-data-dir=${profile}`,
      '--virtual-time-budget=20000', '--dump-dom', `file://${html(names[0])}`,
    ], { encoding: 'utf8', timeout: 90_000, maxBuffer: 256 * 1024 * 1024 });
    assert.equal(dom.status, 0, `chromium failed: ${dom.stderr}`);
    assert.ok(dom.stdout.includes('class="main-svg"'), 'session03: no plotly SVG in the rendered page');
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
});
