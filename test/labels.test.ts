/**
 * Labels that teach: a synthetic model says what it is (a twin has its real model's architecture
 * and size; `tiny` and models quantised from it are test models with no real counterpart), and
 * `slmlab model run` never writes a model's raw control bytes to the terminal.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildModel } from '../lib/cache/build-model';
import { quantizeModel } from '../lib/quantize';
import { syntheticNote, twinOfRecord } from '../lib/synth/model-config';
import { escapeControl, syntheticBanner } from '../scripts/cli/format';
import { makeTempDir, removeTempDir } from './helpers/models';

const CLI = path.resolve(__dirname, '..', 'scripts', 'cli.js');
let root: string;
before(() => { root = makeTempDir(); });
after(() => removeTempDir(root));

const slmlabBlock = (dir: string) => (JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { slmlab: Record<string, unknown> }).slmlab;

test('tiny and a model quantised from it are test models; a twin is its real model\'s architecture and size', async () => {
  const tiny = await buildModel({ shape: 'tiny', precision: 'fp32', out: path.join(root, 'tiny-fp32') });
  const block = slmlabBlock(tiny.dir);
  assert.equal(twinOfRecord(block), null);
  assert.match(String(block.note), /test model: a small made-up architecture/);
  assert.doesNotMatch(String(block.note), /real architecture|architecture and size/);
  const q = await quantizeModel({ source: tiny.dir, out: path.join(root, 'tiny-q4'), precision: 'int4', blockSize: 32 });
  assert.equal(twinOfRecord(slmlabBlock(q.dir!)), null, 'quantising keeps "no real model"');
  assert.match(syntheticBanner(twinOfRecord(slmlabBlock(q.dir!))), /^synthetic test model/);
  assert.match(syntheticNote('qwen2.5-0.5b'), /^Synthetic twin of qwen2\.5-0\.5b: its architecture and size/);
  assert.match(syntheticBanner('qwen2.5-0.5b'), /twin of qwen2\.5-0\.5b.*its speed is real/);
});

test('control bytes are escaped for the terminal; newlines and tabs are kept', () => {
  assert.equal(escapeControl('a\u001b[2Jb\u0007c\rd\n\te\u0085\u2028'), 'a\\x1b[2Jb\\x07c\\x0dd\n\te\\x85\\u{2028}');
  assert.equal(escapeControl('héllo ✓ 你好'), 'héllo ✓ 你好');
});

test('`slmlab model run` on a tiny folder: the banner says test model; stdout holds no control byte but newlines', () => {
  const r = spawnSync(process.execPath, [CLI, 'model', 'run', path.join(root, 'tiny-fp32'), '--prompt', 'Hello', '--max-tokens', '48'],
    { encoding: 'utf8', env: { ...process.env, SLMLAB_CACHE_DIR: path.join(root, 'cache') } });
  assert.equal(r.status, 0, r.stderr);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(r.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  assert.match(r.stderr, /synthetic test model: a made-up architecture/);
});
