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

test('the CUDA execution provider download was skipped, so install needed only the npm registry', () => {
  const root = path.resolve(__dirname, '..', '..');
  const npmrc = fs.readFileSync(path.join(root, '.npmrc'), 'utf8');
  assert.match(npmrc, /^onnxruntime-node-install=skip$/m);
});
