/**
 * The install deliverable: every package the later stages rely on loads from a plain
 * `npm install` (nodejs-polars' native part included, which npm alone skips on Node 20).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

test('nodejs-polars loads its native package and builds a DataFrame', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pl = require('nodejs-polars') as { DataFrame: (d: Record<string, unknown[]>) => { height: number; toHTML(): string } };
  const df = pl.DataFrame({ model: ['a', 'b'], tps: [10.5, 20.25] });
  assert.equal(df.height, 2);
  assert.match(df.toHTML(), /<table/);
});

test('danfojs-node loads (with its pure-JS TensorFlow override) and builds a DataFrame', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dfd = require('danfojs-node') as { DataFrame: new (d: Record<string, unknown[]>) => { shape: number[] } };
  assert.deepEqual(new dfd.DataFrame({ a: [1, 2, 3] }).shape, [3, 1]);
});

test('onnxruntime-node, openai, csv-stringify and plotly load; tslab is installed', () => {
  for (const name of ['onnxruntime-node', 'openai', 'csv-stringify/sync', 'commander', 'cli-progress']) {
    assert.doesNotThrow(() => require(name), name);
  }
  assert.ok(fs.statSync(require.resolve('plotly.js-dist-min')).size > 1_000_000, 'plotly.js bundle present');
  const root = path.resolve(__dirname, '..', '..');
  assert.ok(fs.existsSync(path.join(root, 'node_modules', 'tslab', 'package.json')), 'tslab installed');
});

test('install needs only the npm registry and npm flags nothing: no project config keys, every install script reviewed', () => {
  const root = path.resolve(__dirname, '..', '..');
  // npm >= 11 warns about any key in a project .npmrc it does not know (and will reject them in npm 12).
  const npmrc = fs.readFileSync(path.join(root, '.npmrc'), 'utf8');
  const keys = npmrc.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';'));
  assert.deepEqual(keys, [], '.npmrc sets no config');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  // onnxruntime-node's postinstall only downloads the CUDA provider from NuGet: denied, so npm skips it.
  assert.equal(pkg.allowScripts?.['onnxruntime-node'], false);
  // Every installed dependency with an install script has a decision (npm 11 lists the others as "not yet covered").
  const undecided: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      if (e.name.startsWith('@')) { walk(full); continue; }
      try {
        const p = JSON.parse(fs.readFileSync(path.join(full, 'package.json'), 'utf8')) as { name?: string; scripts?: Record<string, string> };
        const s = p.scripts ?? {};
        if ((s.preinstall || s.install || s.postinstall) && p.name && !(p.name in (pkg.allowScripts ?? {}))) undecided.push(p.name);
      } catch { /* not a package */ }
      if (fs.existsSync(path.join(full, 'node_modules'))) walk(path.join(full, 'node_modules'));
    }
  };
  walk(path.join(root, 'node_modules'));
  assert.deepEqual([...new Set(undecided)].sort(), [], 'dependencies with install scripts missing from allowScripts');
});
