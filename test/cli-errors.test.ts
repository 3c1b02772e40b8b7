/**
 * One error base, exit codes as the README's table says: every error raised on purpose is a
 * SlmlabError, the CLI reads the exit code from its code and prints one line (a stack only
 * for bugs). A read-only cache exits 7, a service that cannot start exits 2, `service status`
 * when stopped exits 8, and `--fallback` runs a model without a variant for the provider on cpu.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { buildModel } from '../lib/cache/build-model';
import { SlmlabError } from '../lib/errors';
import { ServiceError } from '../lib/service/errors';
import { EndpointError } from '../lib/client/errors';
import { TransientError } from '../lib/cache/download/http';
import { UsageError } from '../lib/app/main';
import { GridError } from '../lib/bench/grid/errors';
import { makeTempDir, removeTempDir } from './helpers/models';

const CLI = path.resolve(__dirname, '..', 'scripts', 'cli.js');
const LIB = path.resolve(__dirname, '..', '..', 'lib');
let root: string;

before(() => { root = makeTempDir(); });
after(() => {
  if (process.getuid?.() !== 0) spawnSync('chmod', ['-R', 'u+w', root]);
  removeTempDir(root);
});

function slmlab(args: string[], env: NodeJS.ProcessEnv = {}, wrap: string[] = []): { code: number | null; stdout: string; stderr: string } {
  const cmd = [...wrap, process.execPath, CLI, ...args];
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', env: { ...process.env, ...env }, input: '', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertOneLine(stderr: string): void {
  const lines = stderr.trim().split('\n').filter((l) => l.startsWith('slmlab: error:') || /^\s+at /.test(l));
  assert.equal(lines.length, 1, `expected one error line, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /^\s+at .+:\d+:\d+\)?$/m, `stderr shows a stack trace:\n${stderr}`);
}

describe('one error base', () => {
  test('the error classes of every room extend SlmlabError and carry a code the CLI maps', () => {
    for (const e of [new ServiceError(404, 'not_found', 'x'), new EndpointError('x'), new TransientError('x'), new UsageError('x'), new GridError('x')]) {
      assert.ok(e instanceof SlmlabError, e.constructor.name);
      assert.equal(typeof e.code, 'string');
    }
  });

  test('lib/ declares no other error class and raises plain Errors only where a bug is the cause', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        // lib/web/browser/ runs in the browser (its own tsconfig): its errors are shown on the page, not mapped to exit codes.
        if (e.isDirectory()) { if (path.relative(LIB, p) !== path.join('web', 'browser')) walk(p); } else if (e.name.endsWith('.ts')) files.push(p);
      }
    };
    walk(LIB);
    const plainErrorClasses: string[] = [];
    const plainThrows: string[] = [];
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      for (const m of text.matchAll(/class (\w+) extends (\w+)/g)) if (/Error$/.test(m[1]) && m[2] === 'Error') plainErrorClasses.push(`${path.relative(LIB, f)}: ${m[1]}`);
      if (/throw new Error\(/.test(text)) plainThrows.push(path.relative(LIB, f));
    }
    assert.deepEqual(plainErrorClasses, ['errors.ts: SlmlabError']);
    // Internal guards that only a bug can reach (a worker started outside a worker, a writer misused,
    // a load worker's record sent twice), two caught where they are thrown and re-raised as typed
    // errors, and two that are text of generated browser code (plotly-gz, bundle), not lib throws.
    assert.deepEqual(plainThrows.sort(), [
      'bench/grid/validate.ts', 'bench/load/workers.ts', 'engine/model-folder.ts', 'engine/worker.ts', 'onnx/tensor-data-writer.ts',
      'lab/plotly-gz.ts', 'web/bundle.ts',
    ].sort(),
      'a new `throw new Error(` in lib/: raise a SlmlabError subclass (lib/errors.ts) whose code maps to an exit code, or list it here if only a bug can reach it');
  });
});

describe('exit codes as documented', () => {
  test('`service status`, `ps` and `model load` when no service runs exit 8 with the way to start one', () => {
    const env = { SLMLAB_CACHE_DIR: path.join(root, 'empty-cache') };
    const s = slmlab(['service', 'status'], env);
    assert.equal(s.code, 8);
    assert.match(s.stdout, /not running: start it with `slmlab service start`/);
    assert.equal(slmlab(['service', 'ps'], env).code, 8);
    const load = slmlab(['model', 'load', 'tiny'], env);
    assert.equal(load.code, 8);
    assertOneLine(load.stderr);
  });

  test('`service start` failures exit 2 with one line: port in use, a host without a key, a host that does not resolve', async () => {
    const env = { SLMLAB_CACHE_DIR: path.join(root, 'svc-cache'), SLMLAB_API_KEY: '' };
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
        [['service', 'start', '--port', String(port)], env, /port \d+ on 127\.0\.0\.1 is in use/],
        [['service', 'start', '--host', '0.0.0.0'], env, /set an API key/],
        [['service', 'start', '--host', 'no-such-host.invalid'], { ...env, SLMLAB_API_KEY: 'k' }, /does not resolve/],
        [['service', 'start', '--foreground', '--port', String(port)], env, /is in use/],
      ];
      for (const [args, e, message] of cases) {
        const r = slmlab(args, e);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message);
        assertOneLine(r.stderr);
      }
    } finally {
      blocker.close();
    }
  });

  test('`model run tiny --ep cuda --fallback` runs tiny on cpu (tiny has no cuda variant)', () => {
    const r = slmlab(['model', 'run', 'tiny', '--ep', 'cuda', '--fallback', '--prompt', 'hi', '--max-tokens', '2', '--json'], { SLMLAB_CACHE_DIR: path.join(root, 'fallback-cache') });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).provider, 'cpu');
    assert.match(r.stderr, /using cpu/);
    const strict = slmlab(['model', 'run', 'tiny', '--ep', 'cuda', '--prompt', 'hi'], { SLMLAB_CACHE_DIR: path.join(root, 'fallback-cache') });
    assert.notEqual(strict.code, 0);
    assertOneLine(strict.stderr);
  });
});

describe('a read-only cache exits 7 with one line', () => {
  /** How to make `dir` read-only for a child: a private read-only bind mount as root (root ignores modes), chmod otherwise. */
  function readOnly(dir: string): string[] | null {
    if (process.getuid?.() !== 0) {
      spawnSync('chmod', ['-R', 'a-w', dir]);
      return [];
    }
    const wrap = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"', dir];
    const probe = spawnSync(wrap[0], [...wrap.slice(1), 'touch', path.join(dir, '.probe')]);
    return probe.status !== 0 && !fs.existsSync(path.join(dir, '.probe')) && spawnSync(wrap[0], [...wrap.slice(1), 'true']).status === 0 ? wrap : null;
  }

  test('model run, model build, model download, cache remove and bench --out', async (t) => {
    const ro = path.join(root, 'ro');
    const built = path.join(ro, 'built');
    const empty = path.join(ro, 'empty');
    await buildModel({ shape: 'tiny', precision: 'int4', out: path.join(built, 'synthetic', 'tiny-int4-b32') });
    fs.mkdirSync(empty, { recursive: true });
    const wrap = readOnly(ro);
    if (!wrap) { t.skip('cannot make a read-only folder here (root without mount rights)'); return; }
    const cases: [string[], string][] = [
      [['model', 'run', 'tiny', '--prompt', 'hi', '--max-tokens', '2'], empty],
      [['model', 'build', 'tiny'], empty],
      [['model', 'download', 'qwen2.5-0.5b'], empty],
      [['cache', 'remove', 'tiny-int4-b32'], built],
      [['bench', '--models', 'tiny', '--rounds', '1', '--max-tokens', '2', '--out', path.join(built, 'reports')], built],
    ];
    for (const [args, cache] of cases) {
      const r = slmlab(args, { SLMLAB_CACHE_DIR: cache }, wrap);
      assert.equal(r.code, 7, `${args.join(' ')}:\n${r.stderr}`);
      assert.match(r.stderr, /read-only/);
      assertOneLine(r.stderr);
    }
    // Reading still works: the built model runs from the read-only cache.
    const run = slmlab(['model', 'run', 'tiny', '--prompt', 'hi', '--max-tokens', '2', '--json'], { SLMLAB_CACHE_DIR: built }, wrap);
    assert.equal(run.code, 0, run.stderr);
  });
});
