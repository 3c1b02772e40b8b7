/**
 * The CLI as a user meets it: real processes, real models built by synth/, exit codes,
 * and error messages that name the fix without a stack trace.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CLI = path.resolve(__dirname, '..', 'scripts', 'cli.js');
let tmp = '';
let tiny = '';

function slmlab(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SLMLAB_CACHE_DIR: path.join(tmp, 'cache') },
    input: '',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertNoStack(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at .+\(.+:\d+:\d+\)$/m, `stderr shows a stack trace:\n${stderr}`);
}

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-cli-'));
  tiny = path.join(tmp, 'tiny');
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('model build prints a JSON report of a synthetic model with its size and time', () => {
  const r = slmlab('model', 'build', 'tiny', '--precision', 'int4', '--out', tiny, '--json');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.dir, tiny);
  assert.equal(report.shape, 'tiny');
  assert.ok(report.totalBytes > 100_000);
  assert.ok(report.files.some((f: { name: string }) => f.name === 'model.onnx_data'));
  assert.equal(typeof report.seconds, 'number');
  assert.equal(JSON.parse(fs.readFileSync(path.join(tiny, 'config.json'), 'utf8')).slmlab.synthetic, true);
});

test('model build without --json prints the build time, size and the word synthetic', () => {
  const r = slmlab('model', 'build', 'tiny', '--precision', 'fp32', '--out', path.join(tmp, 'tiny-fp32'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /built in \d+\.\d s/);
  assert.match(r.stdout, /synthetic/);
  assert.match(r.stdout, /size\s+\d/);
});

test('model run --json prints text, token counts and timings as one JSON object', () => {
  const r = slmlab('model', 'run', tiny, '--prompt', 'Hello', '--max-tokens', '6', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(typeof out.text, 'string');
  assert.ok(out.promptTokens > 0);
  assert.ok(out.completionTokens >= 1 && out.completionTokens <= 6);
  assert.equal(out.synthetic, true);
  assert.ok(out.timings.ttftMs > 0);
  assert.ok(Array.isArray(out.timings.decodeMs));
  assert.equal(out.provider, 'cpu');
});

test('model run streams the answer to stdout and the timings to stderr', () => {
  const json = JSON.parse(slmlab('model', 'run', tiny, '--prompt', 'Hello', '--max-tokens', '6', '--json').stdout);
  const r = slmlab('model', 'run', tiny, '--prompt', 'Hello', '--max-tokens', '6');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, json.text + '\n', 'greedy output is the same streamed or as JSON');
  assert.match(r.stderr, /time to first token/);
  assert.match(r.stderr, /synthetic test model: a made-up architecture/, 'tiny is a test model, no twin');
});

test('model run reads the prompt from piped stdin when --prompt is absent', () => {
  const r = spawnSync(process.execPath, [CLI, 'model', 'run', tiny, '--max-tokens', '3', '--json'], { encoding: 'utf8', input: 'Hello' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).promptTokens > 0);
});

test('a missing model folder exits 3 with a message that names the fix and no stack trace', () => {
  const r = slmlab('model', 'run', path.join(tmp, 'nope'), '--prompt', 'hi');
  assert.equal(r.code, 3);
  assert.match(r.stderr, /slmlab model build/);
  assertNoStack(r.stderr);
});

test('a corrupt model.onnx exits 4 and says to re-download or rebuild', () => {
  const broken = path.join(tmp, 'broken');
  fs.cpSync(tiny, broken, { recursive: true });
  fs.writeFileSync(path.join(broken, 'model.onnx'), Buffer.from('this is not an onnx file'));
  const r = slmlab('model', 'run', broken, '--prompt', 'hi');
  assert.equal(r.code, 4);
  assert.match(r.stderr, /re-download or rebuild/);
  assertNoStack(r.stderr);
});

test('an unknown execution provider exits 2 and lists the valid ones', () => {
  const r = slmlab('model', 'run', tiny, '--prompt', 'hi', '--ep', 'tpu');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cpu, webgpu, cuda/);
  assertNoStack(r.stderr);
});

test('max-tokens 0 exits 2 with the valid range', () => {
  const r = slmlab('model', 'run', tiny, '--prompt', 'hi', '--max-tokens', '0');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--max-tokens must be an integer from 1/);
});

test('a prompt longer than the context exits 2 and says to shorten it', () => {
  const r = slmlab('model', 'run', tiny, '--prompt', 'word '.repeat(400), '--max-tokens', '4');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /shorten the prompt/);
  assertNoStack(r.stderr);
});

test('an unusable provider exits 5 and says how to enable it, unless --fallback is given', () => {
  const probe = JSON.parse(slmlab('providers', '--json').stdout) as { name: string; usable: boolean }[];
  const unusable = probe.find((p) => !p.usable);
  if (!unusable) return; // every provider works on this machine: nothing to check
  const r = slmlab('model', 'run', tiny, '--prompt', 'hi', '--max-tokens', '2', '--ep', unusable.name);
  assert.equal(r.code, 5);
  assert.match(r.stderr, /Fix:/);
  assertNoStack(r.stderr);
  const fb = slmlab('model', 'run', tiny, '--prompt', 'hi', '--max-tokens', '2', '--ep', unusable.name, '--fallback', '--json');
  assert.equal(fb.code, 0, fb.stderr);
  assert.equal(JSON.parse(fb.stdout).provider, 'cpu');
  assert.match(fb.stderr, /using cpu/);
});

test('an unknown shape exits non-zero listing the shapes, and leaves no folder behind', () => {
  const out = path.join(tmp, 'never');
  const r = slmlab('model', 'build', 'gpt-5', '--out', out);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /qwen2\.5-0\.5b/);
  assert.equal(fs.existsSync(out), false);
});

test('every verb answers --help', () => {
  const verbs = [[], ['model'], ['model', 'list'], ['model', 'info'], ['model', 'download'], ['model', 'build'], ['model', 'run'], ['model', 'load'],
    ['model', 'unload'], ['model', 'remove'], ['cache'], ['cache', 'list'], ['cache', 'clean'], ['service'], ['service', 'start'], ['service', 'status'],
    ['providers'], ['start']];
  for (const verb of verbs) {
    const r = slmlab(...verb, '--help');
    assert.equal(r.code, 0, `${verb.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, /Usage: slmlab/);
  }
});

test('model list shows the catalog with synthetic twins marked, and --filter narrows it', () => {
  const all = slmlab('model', 'list');
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /^Alias\s+Device\s+Task\s+File Size\s+License\s+Model ID/m);
  assert.match(all.stdout, /qwen2\.5-0\.5b-twin \(synthetic\)/);
  const tiny = slmlab('model', 'list', '--filter', 'alias=tiny*', '--json');
  assert.equal(tiny.code, 0, tiny.stderr);
  const rows = JSON.parse(tiny.stdout) as { alias: string; synthetic: boolean }[];
  assert.ok(rows.length >= 1 && rows.every((r) => r.alias === 'tiny' && r.synthetic));
  const bad = slmlab('model', 'list', '--filter', 'colour=red');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /device/);
});

test('model info prints a model and its licence', () => {
  const r = slmlab('model', 'info', 'qwen2.5-0.5b', '--license');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /apache-2\.0/i);
  const unknown = slmlab('model', 'info', 'qwen2.5-0.6b');
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, /qwen2\.5-0\.5b/, 'suggests a close alias');
});

test('model download builds a synthetic variant into the cache, cache list shows it, model remove deletes it', () => {
  const d = slmlab('model', 'download', 'tiny', '--json');
  assert.equal(d.code, 0, d.stderr);
  const got = JSON.parse(d.stdout) as { id: string; dir: string; synthetic: boolean };
  assert.equal(got.synthetic, true);
  assert.ok(fs.existsSync(path.join(got.dir, 'model.onnx')));
  assert.ok(got.dir.startsWith(path.join(tmp, 'cache')), 'inside SLMLAB_CACHE_DIR');
  assert.equal(slmlab('cache', 'location').stdout.trim(), path.join(tmp, 'cache'));
  const list = JSON.parse(slmlab('cache', 'list', '--json').stdout) as { dir: string; complete: boolean }[];
  assert.ok(list.some((e) => e.dir === got.dir && e.complete));
  const run = slmlab('model', 'run', 'tiny', '--prompt', 'hi', '--max-tokens', '3', '--json');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).synthetic, true);
  const rm = slmlab('model', 'remove', 'tiny');
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(fs.existsSync(got.dir), false);
});

test('a real catalog model that is not downloaded says how to download it, and names never escape the cache', () => {
  const r = slmlab('cache', 'remove', '../../etc');
  assert.notEqual(r.code, 0);
  assertNoStack(r.stderr);
  const clean = slmlab('cache', 'clean', '--dry-run');
  assert.equal(clean.code, 0, clean.stderr);
});

test('service start, status, model load, ps, unload and stop work end to end', () => {
  const start = slmlab('service', 'start', '--port', '0', '--json');
  assert.equal(start.code, 0, start.stderr);
  const { url } = JSON.parse(start.stdout) as { url: string };
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const status = slmlab('service', 'status');
    assert.equal(status.code, 0);
    assert.ok(status.stdout.includes(url));
    assert.equal(slmlab('model', 'load', 'tiny').code, 0);
    const ps = JSON.parse(slmlab('service', 'ps', '--json').stdout) as { models: { id: string }[] };
    assert.deepEqual(ps.models.map((m) => m.id), ['tiny-generic-cpu:1']);
    assert.equal(slmlab('model', 'unload', 'tiny-generic-cpu:1').code, 0);
    const missing = slmlab('model', 'load', 'no-such-model');
    assert.equal(missing.code, 3);
  } finally {
    assert.equal(slmlab('service', 'stop').code, 0);
  }
  const after = slmlab('service', 'status');
  assert.equal(after.code, 8); // documented: no service running
  assert.match(after.stdout, /not running/);
});
