/**
 * `slmlab bench` and `slmlab report` as a user runs them: a real child process against the
 * scripted OpenAI-compatible server (load levels, SLO, report into the output folder,
 * --no-report, refusals and failures with their exit codes), plus the sweep profile.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startScriptedServer, type ScriptedServer } from './helpers/scripted-server';
import { makeTempDir, removeTempDir } from './helpers/models';
import { sweep, linspace } from '../lib/bench/load';
import { readResults } from '../lib/bench/store';

const CLI = path.resolve(__dirname, '..', 'scripts', 'cli.js');
let srv: ScriptedServer;
let root: string;

before(async () => {
  srv = await startScriptedServer();
  srv.script('m', { load: { ttftMs: 5, ttftPerInflightMs: 5, itlMs: 2, tokens: 4 } });
  root = makeTempDir();
  fs.writeFileSync(path.join(root, 'grid.json'), JSON.stringify({
    name: 'cli-load', models: ['m'], prompts: [{ id: 'one', description: 'one prompt', prompts: [{ id: 'p', messages: [{ role: 'user', content: 'Hi' }] }] }], maxTokens: 8,
  }));
});
after(async () => { await srv.close(); removeTempDir(root); });

/** Runs the CLI without blocking this process (the scripted server lives here). */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, BENCH_ROUNDS: '', BENCH_MODELS: '', FOUNDRY_LOCAL_ENDPOINT: '', SLMLAB_CACHE_DIR: path.join(root, 'cache') } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (b) => { stdout += b; });
    child.stderr.on('data', (b) => { stderr += b; });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('bench --concurrency against a URL prints the level table and writes the report into --out', async () => {
  const out = path.join(root, 'levels');
  const r = await cli(['bench', path.join(root, 'grid.json'), '--endpoint', srv.baseURL, '--concurrency', '1,2', '--rounds', '3', '--warmup', '1', '--slo', 'ttft=500', '--percentiles', '50,95', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /concurrency 1/);
  assert.match(r.stdout, /concurrency 2/);
  assert.match(r.stdout, /TTFT ms \(p50\/p95\)/);
  assert.match(r.stdout, /Goodput % \[95 % CI\]/);
  assert.match(r.stdout, /SLO: ttft≤500ms/);
  for (const f of ['results.jsonl', 'report.html', 'summary.md', 'results.csv', 'env.json']) assert.ok(fs.existsSync(path.join(out, f)), f);
  assert.match(fs.readFileSync(path.join(out, 'report.html'), 'utf8'), /id="load-levels"/);
  const { requests, runs } = readResults(path.join(out, 'results.jsonl'));
  assert.equal(requests.length, (1 + 3) * 1 + (1 + 3) * 2);
  assert.equal(runs.length, 1);

  // The same command again: nothing to run. Other rounds: refused, with both ways out, exit 2.
  const again = await cli(['bench', path.join(root, 'grid.json'), '--endpoint', srv.baseURL, '--concurrency', '1,2', '--rounds', '3', '--warmup', '1', '--out', out, '--no-report', '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).upToDate, true);
  const other = await cli(['bench', path.join(root, 'grid.json'), '--endpoint', srv.baseURL, '--concurrency', '1,2', '--rounds', '4', '--out', out]);
  assert.equal(other.code, 2);
  assert.match(other.stderr, /other settings: .*rounds: 3 -> 4.*--fresh.*--append/);
  // --fresh starts the file over (runPlan, inside the results lock): one run line, the new rounds.
  const fresh = await cli(['bench', path.join(root, 'grid.json'), '--endpoint', srv.baseURL, '--concurrency', '1,2', '--rounds', '4', '--warmup', '0', '--out', out, '--fresh', '--no-report', '--json']);
  assert.equal(fresh.code, 0, fresh.stderr);
  const restarted = readResults(path.join(out, 'results.jsonl'));
  assert.equal(restarted.runs.length, 1);
  assert.equal(restarted.requests.length, 4 * 1 + 4 * 2);
});

test('bench --no-report writes only the results; --json carries levels and find-max', async () => {
  const out = path.join(root, 'find');
  srv.script('knee', { load: { ttftMs: 20, ttftPerInflightMs: 40, itlMs: 2, tokens: 3 } });
  const r = await cli(['bench', path.join(root, 'grid.json'), '--models', 'knee', '--endpoint', srv.baseURL, '--find-max', '--slo', 'ttft=120', '--rounds', '2', '--warmup', '1', '--cooldown', '1', '--out', out, '--no-report', '--json', '--fresh']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(out), ['results.jsonl']);
  const j = JSON.parse(r.stdout);
  assert.ok(j.findMax.steps.length >= 1);
  assert.equal(j.levels.length, j.findMax.steps.length, 'one level row per level tried (--fresh starts the profile over once, not each level)');
  // TTFT = 20 + 40 (n - 1) <= 120 holds to n = 3; a busy machine can only land lower (the exact knee: load.test.ts).
  assert.ok(j.findMax.best === null || j.findMax.best <= 3, JSON.stringify(j.findMax));
});

test('failures exit non-zero with the reason; report refuses what is not results', async () => {
  const dead = await cli(['bench', '--models', 'm', '--endpoint', 'http://127.0.0.1:9/v1', '--rounds', '1', '--providers', 'cpu', '--prompts', 'workshop#haiku-ocean', '--out', path.join(root, 'dead')]);
  assert.notEqual(dead.code, 0);
  assert.match(dead.stderr, /every cell failed, nothing was measured: .*(Connection error|fetch failed)/);
  const unknown = await cli(['bench', path.join(root, 'grid.json'), '--models', 'no-such-model', '--dry-run']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no-such-model.*not in the catalog/);
  const notServed = await cli(['bench', path.join(root, 'grid.json'), '--models', 'not-scripted', '--endpoint', srv.baseURL, '--rounds', '1', '--out', path.join(root, 'notserved')]);
  assert.equal(notServed.code, 3, notServed.stderr);
  assert.match(notServed.stderr, /does not exist/);

  const dir = path.join(root, 'etc');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  const rep = await cli(['report', path.join(dir, 'passwd')]);
  assert.equal(rep.code, 2);
  assert.match(rep.stderr, /holds no benchmark results/);
  assert.deepEqual(fs.readdirSync(dir), ['passwd']);
});

test('sweep (pure): synchronous, throughput, then evenly spaced rates between', async () => {
  assert.deepEqual(linspace(1, 3, 5), [1, 1.5, 2, 2.5, 3]);
  const seen: string[] = [];
  const r = await sweep({ size: 5, throughputConcurrency: 8, measure: async (l) => { seen.push(l.kind === 'rate' ? `rate ${l.rate}` : `c ${l.concurrency}`); return l.kind === 'concurrency' ? (l.concurrency === 1 ? 2 : 10) : null; } });
  assert.deepEqual(seen, ['c 1', 'c 8', 'rate 4', 'rate 6', 'rate 8']);
  assert.equal(r.syncRate, 2);
  assert.equal(r.maxRate, 10);
});
