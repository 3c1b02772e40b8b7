/**
 * Issue 21, class 7: quantise's and register's work folders (`<name>.partial-<pid>-<ms>`) left
 * by a killed process show in `cache list` as partial (abandoned when their process is gone), not
 * as models; `cache clean` removes them; the next quantise into the same place sweeps them. A
 * live process's folder is left alone. The kill -9 is real: a child process quantising is killed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanCache } from '../lib/cache/clean';
import { listCache } from '../lib/cache/list';
import { modelsDir } from '../lib/cache/location';
import { quantizeModel } from '../lib/quantize/quantize-model';
import { buildTiny, copyDir, makeTempDir, removeTempDir } from './helpers/models';

let root: string;
let cache: string;
let src: string;
before(async () => {
  root = makeTempDir();
  cache = path.join(root, 'cache');
  await buildTiny(root, 'src');
  src = path.join(root, 'src');
});
after(() => removeTempDir(root));

/** A folder shaped like one a kill -9 left: model files half written, named after a dead pid. */
function abandoned(name: string, pid: number): string {
  const dir = path.join(modelsDir(cache), `${name}.partial-${pid}-${Date.now()}`);
  copyDir(src, dir); // a whole model's files: must still not be listed as a model
  return dir;
}

async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => c.once('exit', r));
  return c.pid!;
}

test('cache list shows abandoned and live work folders as partial, never as models; cache clean removes only the abandoned', async () => {
  const dead = abandoned('my-q4', await deadPid());
  const live = abandoned('my-q8', process.pid);
  const entries = listCache({ cacheDir: cache, env: {}, modelDirs: [], foundryDir: null });
  const of = (d: string) => entries.filter((e) => e.dir === d);
  assert.equal(of(dead).length, 1, JSON.stringify(entries.map((e) => [e.dir, e.kind, e.partial])));
  assert.equal(of(dead)[0].partial, true);
  assert.equal(of(dead)[0].abandoned, true);
  assert.equal(of(dead)[0].complete, false);
  assert.equal(of(live)[0].partial, true);
  assert.equal(of(live)[0].abandoned, false);
  const r = cleanCache({ cacheDir: cache, env: {} });
  assert.ok(r.removed.some((x) => x.path === dead && x.kind === 'partial' && x.bytes > 0));
  assert.equal(fs.existsSync(dead), false);
  assert.equal(fs.existsSync(live), true, 'clean removed a live process\'s work folder');
  fs.rmSync(live, { recursive: true });
});

test('quantise killed with -9 leaves a folder the next quantise into the same place sweeps', async () => {
  const out = path.join(modelsDir(cache), 'tiny-q8');
  // A real quantise in a child, killed as soon as its work folder appears.
  const script = `require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'quantize', 'quantize-model.js'))}).quantizeModel({ source: ${JSON.stringify(src)}, out: ${JSON.stringify(out)}, precision: 'int8' })`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  const parent = path.dirname(out);
  let left: string | undefined;
  for (let i = 0; i < 600 && !left; i++) {
    left = fs.existsSync(parent) ? fs.readdirSync(parent).find((n) => n.startsWith('tiny-q8.partial-')) : undefined;
    if (!left) await new Promise((r) => setTimeout(r, 10));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  if (!left) { // the child finished before we saw its folder (a fast machine): make the leftover by hand
    fs.rmSync(out, { recursive: true, force: true });
    left = path.basename(abandoned('tiny-q8', child.pid!));
  }
  assert.ok(fs.existsSync(path.join(parent, left)));
  assert.ok(listCache({ cacheDir: cache, env: {}, modelDirs: [], foundryDir: null }).some((e) => e.folder === left && e.partial && e.abandoned));
  await quantizeModel({ source: src, out, precision: 'int8', force: true });
  assert.deepEqual(fs.readdirSync(parent).filter((n) => n.includes('.partial-')), [], 'the abandoned folder was not swept');
  assert.ok(fs.existsSync(path.join(out, 'genai_config.json')));
});
