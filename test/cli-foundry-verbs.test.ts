/**
 * Foundry Local CLI 0.10's verbs in slmlab, as a user meets them: real processes, a real tiny
 * model built by synth/, a real background service for `server logs` and the old `chat` page
 * spelling, exit codes and messages.
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
let cache = '';

function slmlab(args: string[], input = ''): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8', env: { ...process.env, SLMLAB_CACHE_DIR: cache, SLMLAB_VERBOSE: '' }, input, timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-verbs-'));
  cache = path.join(tmp, 'cache');
  tiny = path.join(tmp, 'tiny');
  const b = slmlab(['model', 'build', 'tiny', '--precision', 'int4', '--out', tiny]);
  assert.equal(b.code, 0, b.stderr);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('complete <model> <prompt> streams the same greedy answer as model run --prompt', () => {
  const run = slmlab(['model', 'run', tiny, '--prompt', 'Hello', '--max-tokens', '5']);
  const r = slmlab(['complete', tiny, 'Hello', '--max-tokens', '5']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, run.stdout);
  assert.match(r.stderr, /5 generated/);
});

test('chat <model> is an interactive chat: each piped line is a turn, the conversation grows', () => {
  const r = slmlab(['chat', tiny, '--max-tokens', '2'], 'hello\nand again\n');
  assert.equal(r.code, 0, r.stderr);
  const prompts = [...r.stderr.matchAll(/(\d+) prompt tokens, 2 generated/g)].map((m) => Number(m[1]));
  assert.equal(prompts.length, 2, r.stderr);
  assert.ok(prompts[1] > prompts[0] + 2, `the second turn carries the first: ${prompts}`);
  assert.match(r.stderr, /Chatting with/);
});

test('config show|set|reset keep compute.onnx.enable_gpu in the data folder, and it picks the provider', () => {
  const shown = JSON.parse(slmlab(['config', 'show', '--json']).stdout);
  assert.equal(shown.file, path.join(cache, 'config.json'));
  assert.deepEqual(shown.settings.map((s: any) => [s.key, s.value, s.isDefault]), [['compute.onnx.enable_gpu', true, true]]);
  // gpt-oss-20b has cuda variants only: automatic choice finds no usable provider here (5) …
  const auto = slmlab(['complete', 'gpt-oss-20b', 'hi']);
  assert.equal(auto.code, 5, auto.stderr);
  assert.equal(slmlab(['config', 'set', 'compute.onnx.enable_gpu', 'false']).code, 0);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(cache, 'config.json'), 'utf8')), { 'compute.onnx.enable_gpu': false });
  // … with GPUs switched off, the cpu variant is asked for, and there is none (3), said in the config's terms.
  const cpu = slmlab(['complete', 'gpt-oss-20b', 'hi']);
  assert.equal(cpu.code, 3, cpu.stderr);
  assert.match(cpu.stderr, /compute\.onnx\.enable_gpu is false/);
  assert.match(slmlab(['config', 'show']).stdout, /compute\.onnx\.enable_gpu\s+false/);
  const unknown = slmlab(['config', 'set', 'log-level', 'debug']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown setting 'log-level'.*compute\.onnx\.enable_gpu/);
  assert.equal(slmlab(['config', 'set', 'compute.onnx.enable_gpu', 'maybe']).code, 2);
  assert.equal(slmlab(['config', 'reset', 'compute.onnx.enable_gpu']).code, 0);
  assert.equal(JSON.parse(slmlab(['config', 'show', '--json']).stdout).settings[0].isDefault, true);
});

test('model list --variants prints Foundry 0.10\'s variant table', () => {
  const r = slmlab(['model', 'list', '--variants', '--filter', 'alias=tiny']);
  assert.equal(r.code, 0, r.stderr);
  const [header, ...rows] = r.stdout.split('\n');
  assert.match(header, /^Model Name\s+Variant\s+Type\s+Device\s+Execution Provider\s+Size\s+Cached$/);
  assert.ok(rows.some((l) => /^tiny\s+tiny-generic-cpu:1\s+\S+ synthetic\s+CPU\s+CPUExecutionProvider\s+.+\s(yes|no)$/.test(l)), r.stdout);
});

test('cache cd prints the cache folder; with a folder, the line that moves it', () => {
  assert.equal(slmlab(['cache', 'cd']).stdout, cache + '\n');
  const moved = slmlab(['cache', 'cd', 'my models']);
  assert.equal(moved.stdout, `export SLMLAB_CACHE_DIR='${path.resolve('my models')}'\n`);
});

test('--verbose (before or after the verb) adds load details, and the causes of errors', () => {
  const quiet = slmlab(['complete', path.join(tmp, 'missing'), 'x']);
  assert.equal(quiet.code, 3);
  assert.doesNotMatch(quiet.stderr, /code: model_not_found/);
  const loud = slmlab(['--verbose', 'complete', path.join(tmp, 'missing'), 'x']);
  assert.equal(loud.code, 3);
  assert.match(loud.stderr, /code: model_not_found\n\s+ModelNotFoundError/);
  const run = slmlab(['model', 'run', tiny, '--prompt', 'x', '--max-tokens', '1', '--verbose']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /loaded tiny from .+ on cpu in \d+ ms/);
});

test('server logs shows the background service\'s log; the old `chat` page spelling still works, with a note', () => {
  const none = slmlab(['server', 'logs']);
  assert.equal(none.code, 0);
  assert.match(none.stderr, /no service log yet/);
  const start = slmlab(['service', 'start', '--port', '0', '--json']);
  assert.equal(start.code, 0, start.stderr);
  const { url } = JSON.parse(start.stdout) as { url: string };
  try {
    const page = slmlab(['chat', '--json']);
    assert.equal(page.code, 0, page.stderr);
    assert.match(page.stderr, /the RAG chat page is now `slmlab rag`/);
    assert.equal(JSON.parse(page.stdout).url, `${url}/chat`);
    assert.equal(JSON.parse(slmlab(['rag', '--json']).stdout).url, `${url}/chat`);
    const logs = slmlab(['server', 'logs', '--lines', '200']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /slmlab service listening on http/);
    assert.match(logs.stdout, /"path":"\/chat"/);
    assert.equal(slmlab(['server', 'logs', '--path']).stdout, path.join(cache, 'logs', 'service.log') + '\n');
  } finally {
    assert.equal(slmlab(['service', 'stop']).code, 0);
  }
});

test('report --help says how it differs from Foundry\'s report', () => {
  assert.match(slmlab(['report', '--help']).stdout, /Not Foundry Local's `foundry report`/);
});

test('model build all-minilm-l6-v2 / tiny-embed builds an embedding twin into the cache, listed as one of your models', () => {
  const r = slmlab(['model', 'build', 'tiny-embed', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.dir, path.join(cache, 'models', 'tiny-embed'));
  assert.equal(report.task, 'embeddings');
  const listed = JSON.parse(slmlab(['cache', 'list', '--json']).stdout) as { id: string; kind: string; complete: boolean }[];
  assert.ok(listed.some((e) => e.id === 'tiny-embed' && e.kind === 'custom' && e.complete), JSON.stringify(listed));
});
