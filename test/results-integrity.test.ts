/**
 * Issue 21, class 5: one writer per results file, interrupted requests are not results, and
 * the reader refuses rows no run writes (wrong round, slot, grid, negative or absurd values),
 * saying what it left out.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandGrid, schedule, type PlannedRequest, type PromptSet } from '../lib/bench/grid';
import { appendRecords, droppedSummary, lockResults, readResults, recordFor, resumePlan, ResultsLockedError, type RequestRecord } from '../lib/bench/store';
import { lockPathOf } from '../lib/bench/store/results-lock';
import { fromCall } from '../lib/bench/runner/from-call';
import { runGrid } from '../lib/bench/runner';
import { exitCodeOf } from '../scripts/cli/exit-codes';
import type { TimedCall } from '../lib/client';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-integrity-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshFile = () => path.join(tmp, `r-${++n}`, 'results.jsonl');

const set: PromptSet = { id: 'a', description: 'a', prompts: [{ id: 'p', messages: [{ role: 'user', content: 'Say a.' }] }] };
/** 1 cell, 3 measured rounds x concurrency 3 = 9 measured requests. */
const plan = (): PlannedRequest[] => schedule(expandGrid({ models: ['m'], providers: ['cpu'], prompts: [set], rounds: 3, warmup: 0, concurrency: 3 }));
const good = (req: PlannedRequest): RequestRecord => ({ ...recordFor(req, 'run-1', '2026-01-01T00:00:00.000Z'), ttftMs: 10, e2eMs: 50, tpotMs: 2, itlMs: [2, 2], promptTokens: 5, completionTokens: 20, tokenSource: 'usage', decodeTokensPerSecond: 100 });

test('a second writer is refused naming the first pid; a dead or foreign holder is taken over', async () => {
  const file = freshFile();
  const held = lockResults(file);
  assert.throws(() => lockResults(file), (e: Error) => e instanceof ResultsLockedError && new RegExp(`pid ${process.pid}`).test(e.message) && exitCodeOf(e) === 2);
  held.release();
  lockResults(file).release(); // free again

  // Another live node process holds it: refused, naming that pid.
  const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'bench', 'store', 'results-lock.js'))}).lockResults(${JSON.stringify(file)}); console.log('held'); setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((r) => child.stdout.once('data', () => r()));
  assert.throws(() => lockResults(file), new RegExp(`pid ${child.pid}`));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  lockResults(file).release(); // its holder died (kill -9): stale, taken over

  // A lock naming a live process that is not ours (sleep), or no process at all: taken over.
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  for (const pid of [sleeper.pid!, 2 ** 22 + 17]) {
    fs.writeFileSync(lockPathOf(file), JSON.stringify({ pid, host: os.hostname(), startedAt: 'then', argv: [] }));
    lockResults(file).release();
  }
  sleeper.kill('SIGKILL');
  // A garbled lock file is stale too.
  fs.writeFileSync(lockPathOf(file), '{not json');
  lockResults(file).release();
  assert.equal(fs.existsSync(lockPathOf(file)), false);
});

test('a request the run stopped mid-flight is recorded interrupted, left out of results, and run again on resume', async () => {
  const file = freshFile();
  const p = plan();
  const aborted = { status: 'error', error: "aborted by the caller's signal", errorCode: 'aborted', errorStatus: null, startedAt: '2026-01-01T00:00:00.000Z', startEpochMs: 1, itlMs: [], outputText: '' } as unknown as TimedCall;
  const r0 = fromCall(p[0], 'run-1', aborted, null);
  assert.equal(r0.status, 'interrupted');
  await appendRecords(file, [r0, good(p[1])]);
  const read = readResults(file);
  assert.deepEqual(read.requests.map((r) => r.round + ':' + r.slot), [`${p[1].round}:${p[1].slot}`]);
  assert.equal(read.interrupted.length, 1);
  assert.match(String(droppedSummary(read)), /1 interrupted request/);
  const left = resumePlan(p, read.requests);
  assert.ok(left.some((r) => r.key === p[0].key), 'the interrupted request is not run again');
  // Its re-run is stored under the same key, and it is the one read back (not a duplicate).
  await appendRecords(file, [good(p[0])]);
  const again = readResults(file);
  assert.equal(again.requests.length, 2);
  assert.equal(again.duplicates.length, 0);
  assert.ok(again.requests.every((r) => r.status === 'ok'));
});

test('rows no run writes are left out with their reason: round past the grid, bad slot, another grid, negative or absurd values', async () => {
  const file = freshFile();
  const p = plan();
  const gridHash = p[0].gridHash;
  const rows: RequestRecord[] = p.filter((r) => r.kind === 'measure').map(good); // the 9 real rows
  const tampered: Array<[string, Partial<RequestRecord>]> = [
    ['round beyond the grid', { round: 4, slot: 0 }],
    ['round 0', { round: 0, slot: 1 }],
    ['slot beyond concurrency', { round: 1, slot: 7 }],
    ['another grid', { gridHash: 'f'.repeat(16), round: 1, slot: 0 }],
    ['negative ttft', { round: 2, slot: 0, ttftMs: -5 }],
    ['negative itl', { round: 2, slot: 1, itlMs: [1, -1] }],
    ['absurd usage', { round: 2, slot: 2, completionTokens: 1e15 }],
    ['NaN-ish e2e', { round: 3, slot: 0, e2eMs: 'fast' as unknown as number }],
  ];
  // Tampered rows come first, so the real rows of the same keys would be "duplicates" if they were kept.
  const bad = tampered.map(([, patch]) => ({ ...rows[0], ...patch }));
  await appendRecords(file, [{ type: 'run', runId: 'run-1', gridHash } as unknown as RequestRecord, ...bad, ...rows]);
  const read = readResults(file);
  assert.equal(read.requests.length, 9, `kept ${read.requests.length}: ${JSON.stringify(read.invalid)}`);
  assert.equal(read.invalid.length, tampered.length, JSON.stringify(read.invalid));
  const reasons = read.invalid.map((i) => i.reason).join('\n');
  for (const re of [/round 4 is outside 1\.\.3/, /round 0 is outside/, /slot 7 is outside 0\.\.2/, /matches no run line/, /ttftMs is -5/, /itlMs/, /completionTokens is 1000000000000000/, /e2eMs is "fast"/]) assert.match(reasons, re);
  assert.match(String(droppedSummary(read)), /left out 8 invalid lines/);
  assert.equal(read.duplicates.length, 0);
});

test('runGrid takes the lock: a run into a --out another run holds is refused before anything is written', async () => {
  const file = freshFile();
  const held = lockResults(file);
  try {
    await assert.rejects(runGrid({ name: 'lock-test', models: ['m'], endpoints: ['http://127.0.0.1:9/v1'], providers: ['cpu'], rounds: 1, warmup: 0, maxTokens: 2, temperature: 0, prompts: ['workshop#haiku-ocean'] }, { resultsFile: file, env: {} }),
      (e: Error) => e instanceof ResultsLockedError && e.message.includes(`pid ${process.pid}`));
    assert.equal(fs.existsSync(file), false, 'the refused run wrote to the file');
  } finally {
    held.release();
  }
});
