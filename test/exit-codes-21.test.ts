/**
 * Issue 21, class 10: exit codes and messages per the README's table, through the real CLI:
 * --out under a regular file (2, one line), quantise into a read-only place (7), a frozen
 * service (`service status` 8), a damaged twin's error naming `model build … --force`, and
 * `cache remove <shape>` saying what a synthetic twin is.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildModel } from '../lib/cache/build-model';
import { buildTiny, makeTempDir, removeTempDir } from './helpers/models';

const CLI = path.join(__dirname, '..', 'scripts', 'cli.js');
let root: string;
before(() => { root = makeTempDir(); });
after(() => removeTempDir(root));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, SLMLAB_CACHE_DIR: path.join(root, 'cache'), ...env }, timeout: 120_000 });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

const oneLine = (s: string) => { assert.equal(s.trim().split('\n').length, 1, s); assert.doesNotMatch(s, /\n\s+at /, s); };

test('--out under a regular file, or on one: exit 2 with one line naming the file', () => {
  const file = path.join(root, 'a-file');
  fs.writeFileSync(file, 'x');
  for (const out of [path.join(file, 'sub'), file]) {
    const r = cli(['bench', '--endpoint', 'http://127.0.0.1:9/v1', '--models', 'm', '--rounds', '1', '--warmup', '0', '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    oneLine(r.stderr);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a file, not a folder`));
  }
});

test('quantise into a place that cannot be written: exit 7, one line', async (t) => {
  if (!fs.existsSync('/sys/kernel')) { t.skip('needs Linux /sys (a read-only place even for root)'); return; }
  await buildTiny(root, 'src');
  for (const args of [['--out', '/sys/slmlab-test/q'], ['--register']]) {
    const r = cli(['model', 'quantize', path.join(root, 'src'), '--precision', 'int8', ...args], args[0] === '--register' ? { SLMLAB_CACHE_DIR: '/sys/slmlab-test-cache' } : {});
    assert.equal(r.code, 7, r.stderr);
    oneLine(r.stderr);
    assert.match(r.stderr, /read-only/);
  }
});

test('a frozen service (SIGSTOP): `service status` exits 8 and says it does not answer', async () => {
  const cache = path.join(root, 'svc-cache');
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'lib', 'app', 'main.js'), '--port', '0'], { env: { ...process.env, SLMLAB_CACHE_DIR: cache }, stdio: 'ignore' });
  try {
    let s = { code: -1 as number | null, stdout: '', stderr: '' };
    for (let i = 0; i < 100; i++) {
      s = cli(['service', 'status'], { SLMLAB_CACHE_DIR: cache });
      if (s.code === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(s.code, 0, s.stdout + s.stderr);
    process.kill(child.pid!, 'SIGSTOP');
    const frozen = cli(['service', 'status'], { SLMLAB_CACHE_DIR: cache });
    assert.equal(frozen.code, 8, frozen.stdout + frozen.stderr);
    assert.match(frozen.stdout, /does not answer.*service restart/);
  } finally {
    process.kill(child.pid!, 'SIGKILL'); // our own child
  }
});

test("a damaged twin names `model build <shape> --force`; `cache remove <shape>` says it is a synthetic twin", async () => {
  const cache = path.join(root, 'twin-cache');
  const r0 = cli(['cache', 'remove', 'tiny'], { SLMLAB_CACHE_DIR: cache });
  assert.equal(r0.code, 3);
  assert.match(r0.stderr, /'tiny' is a synthetic twin \(built by `slmlab model build tiny`, never downloaded\)/);
  const built = await buildModel({ shape: 'tiny', precision: 'int4', out: path.join(cache, 'synthetic', 'tiny-int4-b32') });
  const r1 = cli(['cache', 'remove', 'tiny'], { SLMLAB_CACHE_DIR: cache });
  assert.equal(r1.code, 2, r1.stderr);
  assert.match(r1.stderr, /synthetic twin's shape, not one cache entry: its builds here are tiny-int4-b32/);
  fs.rmSync(path.join(built.dir, 'tokenizer.json'));
  const r2 = cli(['model', 'run', 'tiny-int4-b32', '--prompt', 'hi', '--max-tokens', '2'], { SLMLAB_CACHE_DIR: cache });
  assert.equal(r2.code, 4, r2.stderr);
  oneLine(r2.stderr);
  assert.match(r2.stderr, /damaged \(files are missing \(tokenizer\.json\)\).*`slmlab model build tiny --force`/);
  assert.doesNotMatch(r2.stderr, /model download tiny-int4-b32/);
});
