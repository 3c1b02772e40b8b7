/**
 * The notebook face and the workshop habits, outside a kernel: tables from polars, danfo and
 * plain records (row limit, escaping, text/plain), one-line errors, the Foundry 0.10 verb
 * aliases, the workshop port choice, the offline/not-downloaded hints that name the twin, and
 * `slmlab` imported by name from a folder outside the repository (as `npm link` installs it).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import pl from 'nodejs-polars';
import { tableOf, tableHtml, tableText, show, oneLine, toDanfo, parameterRows } from '../lib/lab';
import { ModelNotFoundError } from '../lib/errors';
import { rewriteFoundryArgv } from '../scripts/cli/foundry-aliases';
import { choosePort, portIsFree } from '../lib/app/workshop-port';
import { locateModel } from '../lib/registry/locate-model';
import { OfflineError } from '../lib/cache/download/offline';
import { makeTempDir, removeTempDir } from './helpers/models';

const ROOT = path.resolve(__dirname, '..', '..');
const tmp = makeTempDir();
after(() => removeTempDir(tmp));

test('a polars frame becomes a table with a row limit, escaped HTML and a text/plain twin', () => {
  const df = pl.DataFrame({ model: ['a<script>', 'b', 'c', 'd', 'e'], ms: [1.23456, 250.4, null, 3, 4] });
  const t = tableOf(df, 2)!;
  assert.deepEqual(t.columns, ['model', 'ms']);
  assert.equal(t.rows.length, 2);
  assert.equal(t.totalRows, 5);
  assert.equal(t.source, 'polars');
  const html = tableHtml(t, 'cap');
  assert.ok(!html.includes('<script>'), 'cells are escaped');
  assert.match(html, /&lt;script&gt;/);
  assert.match(html, /first 2 of 5 rows × 2 columns/);
  assert.match(html, /<td[^>]*text-align:right[^>]*>1\.23<\/td>/, 'numbers are right-aligned and rounded');
  assert.match(tableText(t), /model\s+ms\n/);
});

test('danfo frames and arrays of records are tables too; a string is not a table', () => {
  const df = pl.DataFrame({ x: [1, 2, 3], y: ['p', 'q', 'r'] });
  const d = tableOf(toDanfo(df), 10)!;
  assert.equal(d.source, 'danfo');
  assert.deepEqual(d.columns, ['x', 'y']);
  assert.deepEqual(d.rows[2], [3, 'r']);
  const r = tableOf([{ a: 1 }, { a: 2, b: true }], 10)!;
  assert.deepEqual(r.columns, ['a', 'b']);
  assert.deepEqual(r.rows, [[1, undefined], [2, true]]);
  assert.equal(tableOf('text', 10), null);
});

test('outside a kernel show() prints the text form, and errors as one line', () => {
  const out: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => { out.push(String(s)); return true; }) as typeof process.stdout.write;
  try {
    show(pl.DataFrame({ k: ['v'] }));
    show(new ModelNotFoundError("model 'x' is not in the catalog: run `slmlab model list`"));
  } finally {
    process.stdout.write = write;
  }
  assert.match(out.join(''), /k\nv\n\(1 row × 1 column\)/);
  assert.match(out.join(''), /^ModelNotFoundError \[model_not_found\]: model 'x' is not in the catalog: run `slmlab model list`$/m);
  assert.doesNotMatch(out.join(''), /at .*\.js:\d+/);
  assert.match(oneLine(new TypeError('boom')), /^TypeError: boom \(at /);
});

test('parameter rows say which workshop variable changed a value', () => {
  const rows = parameterRows({ rounds: 3 }, { applied: [{ variable: 'BENCH_ROUNDS', value: '5', field: 'rounds', effect: 'rounds = 5' }] });
  assert.deepEqual(rows[1], { parameter: 'rounds', value: 'rounds = 5', 'set by': 'BENCH_ROUNDS=5' });
});

test("Foundry Local 0.10's verbs are rewritten to slmlab's", () => {
  assert.deepEqual(rewriteFoundryArgv(['run', 'phi-4-mini', '--prompt', 'hi']), ['model', 'run', 'phi-4-mini', '--prompt', 'hi']);
  assert.deepEqual(rewriteFoundryArgv(['status']), ['service', 'status']);
  assert.deepEqual(rewriteFoundryArgv(['model', 'list', '--output', 'json']), ['model', 'list', '--json']);
  assert.deepEqual(rewriteFoundryArgv(['cache', 'ls', '--output=json']), ['cache', 'ls', '--json']);
  assert.deepEqual(rewriteFoundryArgv(['model', 'run', 'x', '--prompt', 'run']), ['model', 'run', 'x', '--prompt', 'run']);
  const cli = path.join(ROOT, 'dist', 'scripts', 'cli.js');
  const show = spawnSync(process.execPath, [cli, 'model', 'show', 'qwen2.5-0.5b-twin', '--output', 'json'], { encoding: 'utf8' });
  assert.equal(show.status, 0, show.stderr);
  assert.equal(JSON.parse(show.stdout).alias, 'qwen2.5-0.5b-twin');
  const server = spawnSync(process.execPath, [cli, 'server', '--help'], { encoding: 'utf8' });
  assert.match(server.stdout, /start/);
});

test('the service port: an explicit port is kept; a port in use is reported as not free', async () => {
  assert.deepEqual(await choosePort('127.0.0.1', 0), { port: 0, note: null });
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  try {
    assert.equal(await portIsFree('127.0.0.1', port), false);
  } finally {
    await new Promise<void>((r) => s.close(() => r()));
  }
  assert.equal(await portIsFree('127.0.0.1', port), true);
});

test('offline, a real model fails at once and names its synthetic twin; not downloaded, too', async () => {
  const cache = { cacheDir: path.join(tmp, 'cache'), foundryDir: null, env: { ...process.env, SLMLAB_CACHE_DIR: path.join(tmp, 'cache'), HF_ENDPOINT: 'http://slmlab-offline.invalid' } };
  await assert.rejects(locateModel('phi-4-mini', { cache: cache }), (e: unknown) =>
    e instanceof ModelNotFoundError && /not downloaded/.test(e.message) && /slmlab model run phi-4-mini-twin/.test(e.message));
  await assert.rejects(locateModel('phi-4-mini', { cache: cache, download: true }), (e: unknown) =>
    e instanceof OfflineError && /does not resolve/.test(e.message) && /phi-4-mini-twin/.test(e.message));
});

test('`slmlab`, `slmlab/notebook` and `slmlab/eval` import by name from outside the repository, with types', () => {
  const dir = path.join(tmp, 'consumer');
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'slmlab'), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"consumer","private":true}');
  const cjs = spawnSync(process.execPath, ['-e',
    "const s=require('slmlab'),n=require('slmlab/notebook'),e=require('slmlab/eval');"
    + "console.log(typeof s.runGrid, typeof s.loadCatalog, typeof n.show, typeof e.scoreAnswer, typeof n.benchmark)"], { cwd: dir, encoding: 'utf8' });
  assert.equal(cjs.status, 0, cjs.stderr);
  assert.equal(cjs.stdout.trim(), 'function function function function function');
  const esm = spawnSync(process.execPath, ['--input-type=module', '-e', "import { show } from 'slmlab/notebook'; import { runGrid } from 'slmlab'; console.log(typeof show, typeof runGrid);"], { cwd: dir, encoding: 'utf8' });
  assert.equal(esm.status, 0, esm.stderr);
  assert.equal(esm.stdout.trim(), 'function function');
  const deep = spawnSync(process.execPath, ['-e', "require('slmlab/dist/lib/bench/runner')"], { cwd: dir, encoding: 'utf8' });
  assert.notEqual(deep.status, 0, 'internals are not importable by deep path');
  fs.writeFileSync(path.join(dir, 'use.ts'), [
    "import { runGrid, loadCatalog, type SummaryRow } from 'slmlab';",
    "import { show, benchmark } from 'slmlab/notebook';",
    "import { scoreAnswer } from 'slmlab/eval';",
    'const rows: SummaryRow[] = [];',
    "show(rows); void runGrid; void benchmark; void loadCatalog; const s: boolean = scoreAnswer('a', 'a').exact; void s;",
  ].join('\n'));
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const resolution of [['--module', 'node16', '--moduleResolution', 'node16'], ['--module', 'commonjs', '--moduleResolution', 'node10']]) {
    const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', '--esModuleInterop', '--target', 'es2022', ...resolution,
      '--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--types', 'node', 'use.ts'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, `${resolution.join(' ')}: ${r.stdout}${r.stderr}`);
  }
});
