import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { expandGrid, schedule, type PlannedRequest, type PromptSet } from '../lib/bench/grid';
import {
  RECORD_FIELDS, appendRecord, appendRecords, cellKey, finishedCells, keyOfRecord, readRecords, recordFor, resumePlan,
  skippedRecord, type RequestRecord,
} from '../lib/bench/store';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-store-'));
let n = 0;
const freshFile = (): string => path.join(tmp, `results-${++n}.jsonl`);
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const set = (id: string): PromptSet => ({ id, description: id, prompts: [{ id: 'p', messages: [{ role: 'user', content: `Say ${id}.` }] }] });

/** 2 loads (cpu, cuda) x 2 prompts, 3 rounds after 1 warmup: 16 requests. */
function plan(): PlannedRequest[] {
  return schedule(expandGrid({ models: ['m'], providers: ['cpu', 'cuda'], prompts: [set('a'), set('b')], rounds: 3, warmup: 1 }));
}

/** What a runner would record for a request (fake measurements). */
function run(req: PlannedRequest, runId: string): RequestRecord {
  return { ...recordFor(req, runId, '2025-01-01T00:00:00.000Z'), ttftMs: 12.5, e2eMs: 100, tpotMs: 2.5, itlMs: [2, 3, 2.5],
    promptTokens: 9, completionTokens: 36, tokenSource: 'usage', decodeTokensPerSecond: 400, outputSha256: 'ab'.repeat(32), outputText: 'ok\n"quoted"' };
}

const label = (r: PlannedRequest): string => `${r.cell.provider}/${r.cell.promptSetId}/${r.kind === 'warmup' ? 'w' : 'm'}${r.round}`;

test('records round-trip through the JSONL file, one whole line each', async () => {
  const file = freshFile();
  const p = plan();
  const records = p.slice(0, 3).map((r) => run(r, 'run-1'));
  const res = await appendRecords(file, records.slice(0, 2));
  assert.deepEqual(res, { written: 2, repaired: null });
  await appendRecord(file, records[2]);
  await appendRecord(file, { type: 'run', runId: 'run-1', machine: 'test' });
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n'));
  assert.equal(text.split('\n').length, 5);
  const back = readRecords(file);
  assert.deepEqual(back.records, records);
  assert.deepEqual(back.others, [{ type: 'run', runId: 'run-1', machine: 'test' }]);
  assert.equal(back.truncated, null);
  assert.deepEqual(back.invalid, []);
  assert.deepEqual(readRecords(path.join(tmp, 'missing.jsonl')).records, [], 'a missing file reads as empty');
});

test('a truncated last line is ignored and reported, and the next append leaves valid JSONL', async () => {
  const file = freshFile();
  const p = plan();
  await appendRecords(file, [run(p[0], 'run-1'), run(p[1], 'run-1')]);
  const whole = JSON.stringify(run(p[2], 'run-1'));
  fs.appendFileSync(file, whole.slice(0, Math.floor(whole.length / 2))); // killed mid-write
  const r1 = readRecords(file);
  assert.equal(r1.records.length, 2);
  assert.ok(r1.truncated);
  assert.equal(r1.truncated.line, 3);
  assert.equal(r1.truncated.bytes, Math.floor(whole.length / 2));
  assert.deepEqual(r1.invalid, []);
  // even a complete JSON object counts only once its newline is on disk
  const res = await appendRecord(file, run(p[2], 'run-2'));
  assert.ok(res.repaired);
  assert.equal(res.repaired.droppedBytes, Math.floor(whole.length / 2));
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 3);
  for (const line of lines) JSON.parse(line);
  const r2 = readRecords(file);
  assert.equal(r2.truncated, null);
  assert.deepEqual(r2.records.map((r) => r.runId), ['run-1', 'run-1', 'run-2']);
});

test('bad lines in the middle and repeated keys are reported, never returned', () => {
  const file = freshFile();
  const p = plan();
  const a = JSON.stringify(run(p[0], 'run-1'));
  fs.writeFileSync(file, `${a}\nnot json\n{"type":"request","gridHash":"x"}\n\n${a}\n`);
  const r = readRecords(file);
  assert.equal(r.records.length, 1);
  assert.deepEqual(r.invalid.map((i) => i.line), [2, 3]);
  assert.match(r.invalid[1].reason, /cellId/);
  assert.deepEqual(r.duplicates, [{ line: 5, key: p[0].key }]);
});

test('concurrent appends from one process each land as whole lines', async () => {
  const file = freshFile();
  const p = plan();
  await Promise.all(p.map((r) => appendRecord(file, run(r, 'run-1'))));
  const r = readRecords(file);
  assert.equal(r.records.length, p.length);
  assert.deepEqual(new Set(r.records.map(keyOfRecord)), new Set(p.map((q) => q.key)));
});

test('a cell is finished when every measured round has a record, whatever its status', () => {
  const p = plan();
  const [A, B] = [p[0].cell, p[1].cell];
  const recs = p.filter((r) => r.cellId === A.cellId).map((r) => run(r, 'run-1'));
  const bRecs = p.filter((r) => r.cellId === B.cellId && !(r.kind === 'measure' && r.round === 3)).map((r) => run(r, 'run-1'));
  assert.deepEqual(finishedCells([...recs, ...bRecs]), new Set([cellKey(A)]));
  const b3 = p.find((r) => r.cellId === B.cellId && r.kind === 'measure' && r.round === 3)!;
  const withError = [...recs, ...bRecs, { ...run(b3, 'run-1'), status: 'error' as const, reason: 'boom' }];
  assert.deepEqual(finishedCells(withError), new Set([cellKey(A), cellKey(B)]));
  const onlyWarmups = p.filter((r) => r.kind === 'warmup').map((r) => run(r, 'run-1'));
  assert.equal(finishedCells(onlyWarmups).size, 0);
  const skipped = p.filter((r) => r.cell.provider === 'cuda' && r.kind === 'measure').map((r) => skippedRecord(r, 'run-1', 'cuda is not usable here: install the CUDA 12 runtime'));
  assert.equal(finishedCells(skipped).size, 2);
  // another grid's records finish nothing here
  assert.equal(finishedCells(recs.map((r) => ({ ...r, gridHash: 'other' }))).has(cellKey(A)), false);
});

test('resumePlan after a killed run returns exactly the missing requests, with fresh warmups for unfinished cells', async () => {
  const file = freshFile();
  const p = plan();
  assert.deepEqual(p.map(label).slice(0, 8), ['cpu/a/w1', 'cpu/b/w1', 'cpu/a/m1', 'cpu/b/m1', 'cpu/a/m2', 'cpu/b/m2', 'cpu/a/m3', 'cpu/b/m3']);
  // the first run gets through 7 requests (cell cpu/a finishes), then dies mid-write of the 8th
  for (const r of p.slice(0, 7)) await appendRecord(file, run(r, 'run-1'));
  fs.appendFileSync(file, JSON.stringify(run(p[7], 'run-1')).slice(0, 40));
  const stored = readRecords(file);
  assert.ok(stored.truncated);
  const left = resumePlan(p, stored.records);
  assert.deepEqual(left.map(label), [
    'cpu/b/w2', 'cpu/b/m3',                       // cpu/a is finished: no warmup for it; cpu/b warms up again
    'cuda/a/w1', 'cuda/b/w1', 'cuda/a/m1', 'cuda/b/m1', 'cuda/a/m2', 'cuda/b/m2', 'cuda/a/m3', 'cuda/b/m3',
  ]);
  assert.deepEqual(left.map((r) => r.seq), [1, 7, 8, 9, 10, 11, 12, 13, 14, 15], 'plan positions are kept');
  const storedKeys = new Set(stored.records.map(keyOfRecord));
  assert.ok(left.every((r) => !storedKeys.has(r.key)));

  // the second run does the rest; then nothing is left and no key is written twice
  for (const r of left) await appendRecord(file, run(r, 'run-2'));
  const all = readRecords(file);
  assert.equal(all.truncated, null);
  assert.deepEqual(all.duplicates, []);
  assert.deepEqual(all.invalid, []);
  const keys = all.records.map(keyOfRecord);
  assert.equal(new Set(keys).size, keys.length);
  const measured = all.records.filter((r) => !r.warmup).map(keyOfRecord).sort();
  assert.deepEqual(measured, p.filter((r) => r.kind === 'measure').map((r) => r.key).sort());
  assert.equal(finishedCells(all.records).size, 4);
  assert.deepEqual(resumePlan(p, all.records), []);
});

test('a run killed by SIGKILL while appending leaves a readable file that resumes without duplicates', async () => {
  const file = freshFile();
  const spec = { models: ['m'], providers: ['cpu', 'cuda'], prompts: [set('a'), set('b')], rounds: 40, warmup: 1 };
  const p = schedule(expandGrid(spec));
  // a child process runs the grid (resuming, appending as it goes) and is killed after 10 records
  const lib = path.resolve(__dirname, '..', 'lib', 'bench');
  const script = `const g = require(${JSON.stringify(path.join(lib, 'grid'))}); const s = require(${JSON.stringify(path.join(lib, 'store'))});
    const file = ${JSON.stringify(file)}; const plan = g.schedule(g.expandGrid(JSON.parse(process.argv[1])));
    (async () => { let n = 0;
      for (const r of s.resumePlan(plan, s.readRecords(file).records)) {
        await s.appendRecord(file, { ...s.recordFor(r, 'child'), outputText: 'x'.repeat(2000) });
        if (++n === 10) process.send('ten');
      } process.send('done'); })();`;
  const child = spawn(process.execPath, ['-e', script, JSON.stringify(spec)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const first = await new Promise<unknown>((resolve) => child.on('message', resolve));
  assert.equal(first, 'ten');
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('exit', resolve));
  const got = readRecords(file);
  assert.deepEqual(got.invalid, []);
  assert.deepEqual(got.duplicates, []);
  assert.ok(got.records.length >= 10 && got.records.length < p.length, `killed mid-grid (${got.records.length} of ${p.length})`);
  if (process.env.STORE_TEST_DEBUG) console.log(`killed after ${got.records.length} of ${p.length}, truncated: ${got.truncated !== null}`);
  const left = resumePlan(p, got.records);
  for (const r of left) await appendRecord(file, run(r, 'resumed'));
  const all = readRecords(file);
  assert.equal(all.truncated, null);
  assert.deepEqual(all.invalid, []);
  assert.deepEqual(all.duplicates, []);
  const measured = all.records.filter((r) => !r.warmup).map(keyOfRecord).sort();
  assert.deepEqual(measured, p.filter((r) => r.kind === 'measure').map((r) => r.key).sort());
  assert.deepEqual(resumePlan(p, all.records), []);
});

test('RECORD_FIELDS describes every field of a record, in order, once', () => {
  const rec = recordFor(plan()[0], 'run-1');
  assert.deepEqual(RECORD_FIELDS.map((f) => f.name), Object.keys(rec));
  for (const f of RECORD_FIELDS) {
    assert.ok(f.description.length > 10, f.name);
    const v = rec[f.name];
    if (v === null) { assert.ok(f.nullable, `${f.name} is null but not nullable`); continue; }
    const expected = f.type === 'integer' ? 'number' : f.type === 'number[]' ? 'object' : f.type;
    assert.equal(typeof v, expected, f.name);
  }
  assert.deepEqual(RECORD_FIELDS.filter((f) => f.unit === 'ms').map((f) => f.name), ['lagMs', 'ttftMs', 'e2eMs', 'tpotMs', 'itlMs']);
  const skipped = skippedRecord(plan()[2], 'run-1', 'webgpu is not usable here');
  assert.equal(skipped.status, 'skipped');
  assert.equal(skipped.warmup, false);
  assert.equal(keyOfRecord(skipped), plan()[2].key);
});
