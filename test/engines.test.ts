/**
 * `slmlab engines`: without the engine installed, list says so with the fix; `engines add`
 * on a machine that cannot reach the registry fails at once (an unreachable registry on
 * loopback stands in for "offline": no test downloads the engine).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { makeTempDir, removeTempDir } from './helpers/models';

const CLI = path.join(__dirname, '..', 'scripts', 'cli.js');
let root: string;
before(() => { root = makeTempDir(); });
after(() => removeTempDir(root));

function slmlab(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, SLMLAB_ENGINES_DIR: '', ...env }, timeout: 60_000 });
}

test('engines list names both engines; llama.cpp not installed comes with the fix', () => {
  const r = slmlab(['engines', 'list', '--json'], { SLMLAB_CACHE_DIR: path.join(root, 'cache') });
  assert.equal(r.status, 0, r.stderr);
  const list = JSON.parse(r.stdout) as { name: string; usable: boolean; fix?: string }[];
  assert.deepEqual(list.map((e) => e.name), ['onnxruntime', 'llama.cpp']);
  assert.equal(list[0].usable, true);
  assert.equal(list[1].usable, false);
  assert.match(list[1].fix ?? '', /slmlab engines add llama\.cpp/);
});

test('engines add fails at once with the fix when the registry cannot be reached, and leaves nothing behind', async () => {
  // a port that was free a moment ago: connecting is refused
  const port = await new Promise<number>((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
  const cache = path.join(root, 'offline');
  const t0 = Date.now();
  const r = slmlab(['engines', 'add', 'llama.cpp'], { SLMLAB_CACHE_DIR: cache, npm_config_registry: `http://127.0.0.1:${port}/` });
  assert.ok(Date.now() - t0 < 30_000, 'fails at once, not after an npm retry loop');
  assert.equal(r.status, 6, r.stdout + r.stderr);
  assert.match(r.stderr, /cannot reach the npm registry.*slmlab engines add llama\.cpp/);
  assert.equal(fs.existsSync(path.join(cache, 'engines')), false);
  const unknown = slmlab(['engines', 'add', 'ollama'], { SLMLAB_CACHE_DIR: cache });
  assert.equal(unknown.status, 2);
});
