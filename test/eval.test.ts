/**
 * eval: QA scoring rules, the rubric file round trip, model-as-judge through a real slmlab
 * service (the tiny model's gibberish is reported as "no scores", not guessed) and an unreachable
 * endpoint, cost emulation from the shipped price table, and the energy meter's two methods
 * (a RAPL tree in sysfs format in a temp folder, and the labelled estimate).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  normalizeAnswer, scoreAnswer, scoreRequests, qaScoreTable, rubricItem, writeRubricFile, readRubricFile, rubricSummary,
  RubricError, rubricItemsFromRequests, parseJudgeReply, judge, JudgeError, loadPrices, costTable, PriceTableError, energyMeter,
} from '../lib/eval';
import { SlmlabError } from '../lib/errors';
import type { RequestRecord } from '../lib/bench/store/record';
import { makeTempDir, removeTempDir } from './helpers/models';
import { tinyFixture, MODEL_ALIAS } from './helpers/service';

const tmp = makeTempDir();
after(() => removeTempDir(tmp));

test('QA answers are scored exact, normalised (SQuAD rule) and contains (whole words)', () => {
  assert.equal(normalizeAnswer('  The Eiffel-Tower! '), 'eiffel tower');
  assert.deepEqual(scoreAnswer('Paris', 'Paris'), { exact: true, normalised: true, contains: true });
  assert.deepEqual(scoreAnswer('paris.', 'Paris'), { exact: false, normalised: true, contains: true });
  assert.deepEqual(scoreAnswer('The capital is Paris, of course', 'Paris'), { exact: false, normalised: false, contains: true });
  assert.deepEqual(scoreAnswer('Au', 'Au'), { exact: true, normalised: true, contains: true });
  assert.equal(scoreAnswer('Australia', 'Au').contains, false, 'contains matches whole words only');
  assert.equal(scoreAnswer('', '56').contains, false);
});

const record = (o: Partial<RequestRecord>): RequestRecord => ({
  type: 'request', recordVersion: 1, gridHash: 'g', cellId: 'c', warmup: false, cooldown: false, round: 0, slot: 0, runId: 'r', status: 'ok', reason: null,
  finishReason: 'stop', startedAt: '', ttftMs: 1, e2eMs: 2, tpotMs: null, itlMs: [], promptTokens: 20, completionTokens: 5, tokenSource: 'usage',
  decodeTokensPerSecond: null, outputSha256: null, outputText: '', endpoint: 'embedded', model: 'm', modelId: null, provider: 'cpu',
  precision: 'int4', threads: 0, logits: 'all', promptSetId: 'qa', promptId: 'p', expected: null, maxTokens: 8, temperature: 0, seed: 0, stream: true,
  concurrency: 1, rounds: 1, warmupRounds: 0, role: null,
  scheduledAtMs: null, sentAtMs: null, doneAtMs: null, lagMs: null, worker: 0, rate: null, inputTokens: null, mode: 'rounds',
  arrivals: null, burstiness: null, maxConcurrency: null, cooldownRounds: 0, ...o,
});

test('scoreRequests keeps measured ok answers with an expected one; qaScoreTable counts per model', () => {
  const rs = [
    record({ model: 'a', promptId: 'capital', expected: 'Paris', outputText: 'Paris' }),
    record({ model: 'a', promptId: 'gold', expected: 'Au', outputText: 'It is Au.' }),
    record({ model: 'a', promptId: 'gold', expected: 'Au', outputText: 'Au', warmup: true }),
    record({ model: 'b', promptId: 'capital', expected: 'Paris', outputText: 'xq zz' }),
    record({ model: 'b', promptId: 'gold', expected: 'Au', status: 'error', outputText: null }),
    record({ model: 'b', promptId: 'free', expected: null, outputText: 'anything' }),
  ];
  const scored = scoreRequests(rs);
  assert.equal(scored.length, 3);
  const t = qaScoreTable(scored);
  const a = t.find((r) => r.model === 'a')!;
  const b = t.find((r) => r.model === 'b')!;
  assert.deepEqual([a.answers, a.exact, a.normalised, a.contains, a.contains_rate], [2, 1, 1, 2, 1]);
  assert.deepEqual([b.answers, b.exact, b.contains, b.exact_rate], [1, 0, 0, 0]);
});

test('a rubric file keeps the class\'s scores when rewritten, summarises them, and rejects a 7', () => {
  const file = path.join(tmp, 'rubric', 'r.json');
  const items = [rubricItem({ id: 'm1/q', model: 'm1', prompt: 'q', output: 'x' }), rubricItem({ id: 'm2/q', model: 'm2', prompt: 'q', output: 'y' })];
  writeRubricFile(file, items);
  const filled = JSON.parse(fs.readFileSync(file, 'utf8'));
  filled.items[0].scores = { coherence: 4, factuality: 2, brevity: 5 };
  filled.items[0].rater = 'ana';
  fs.writeFileSync(file, JSON.stringify(filled));
  writeRubricFile(file, [...items, rubricItem({ id: 'm2/r', model: 'm2', prompt: 'r', output: 'z' })]);
  const back = readRubricFile(file);
  assert.equal(back.items.length, 3);
  assert.deepEqual(back.items[0].scores, { coherence: 4, factuality: 2, brevity: 5 });
  assert.equal(back.items[0].rater, 'ana');
  const s = rubricSummary(back.items);
  assert.deepEqual(s.find((r) => r.model === 'm1'), { model: 'm1', items: 1, rated: 1, coherence: 4, factuality: 2, brevity: 5 });
  assert.deepEqual(s.find((r) => r.model === 'm2'), { model: 'm2', items: 2, rated: 0, coherence: null, factuality: null, brevity: null });
  filled.items[1].scores = { coherence: 7, factuality: null, brevity: 2.5 };
  fs.writeFileSync(file, JSON.stringify(filled));
  assert.throws(() => readRubricFile(file), (e: unknown) => e instanceof RubricError && e instanceof SlmlabError && /coherence is 7/.test(e.message) && /brevity is 2\.5/.test(e.message));
  assert.equal(fs.readdirSync(path.dirname(file)).length, 1, 'no temporary file left behind');
});

test('a judge reply is parsed only when every criterion is an integer 1-5', () => {
  assert.deepEqual(parseJudgeReply('Sure! {"coherence": 4, "factuality": 3, "brevity": 5} hope it helps'), { scores: { coherence: 4, factuality: 3, brevity: 5 } });
  assert.ok('problem' in parseJudgeReply('{"coherence": 4, "factuality": 9, "brevity": 5}'));
  assert.ok('problem' in parseJudgeReply('four out of five'));
  assert.ok('problem' in parseJudgeReply('{"coherence": 4,'));
});

test('model-as-judge through a real OpenAI-compatible service: gibberish is reported, a dead endpoint fails with one line', async () => {
  const fx = await tinyFixture();
  const svc = await fx.start();
  try {
    const items = [rubricItem({ id: 'x', model: 'tiny', prompt: 'What is 2+2?', output: '4' })];
    const judged = await judge(items, { baseURL: `${svc.url}/v1`, model: MODEL_ALIAS, maxTokens: 8 });
    assert.equal(judged.length, 1);
    assert.equal(judged[0].scores, null, 'a random-weight judge gives no valid scores');
    assert.match(judged[0].problem ?? '', /JSON|integer/);
  } finally {
    await svc.close();
  }
  const port = svc.url.split(':').pop();
  await assert.rejects(judge([rubricItem({ id: 'x', model: 't', prompt: 'p', output: 'o' })], { baseURL: `http://127.0.0.1:${port}/v1`, model: 'tiny', timeoutMs: 5000 }),
    (e: unknown) => e instanceof JudgeError && e.message.includes(`127.0.0.1:${port}`));
  await fx.cleanup();
});

test('cost emulation prices measured tokens with the shipped, dated table; a bad table names its fault', () => {
  const prices = loadPrices();
  assert.ok(prices.prices.length >= 2);
  for (const p of prices.prices) { assert.match(p.asOf, /^\d{4}-\d{2}/); assert.ok(p.source.length > 0); }
  const table = { currency: 'USD', file: 'x', prices: [{ name: 'api', inputPerMTok: 2, outputPerMTok: 10, asOf: '2025-01-01', source: 's' }] };
  const rows = costTable([
    record({ model: 'a', promptTokens: 1_000_000, completionTokens: 100_000 }),
    record({ model: 'a', promptTokens: 500_000, completionTokens: 0 }),
    record({ model: 'a', promptTokens: 9e9, completionTokens: 9e9, warmup: true }),
  ], table);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].cost, 1.5 * 2 + 0.1 * 10);
  assert.equal(rows[0].cost_per_1k_requests, (4 / 2) * 1000);
  const bad = path.join(tmp, 'prices.json');
  fs.writeFileSync(bad, JSON.stringify({ prices: [{ name: 'x', inputPerMTok: -1, outputPerMTok: 1, asOf: 'soon', source: '' }] }));
  assert.throws(() => loadPrices(bad), (e: unknown) => e instanceof PriceTableError && /inputPerMTok/.test(e.message) && /asOf/.test(e.message) && /source/.test(e.message));
});

test('energy: RAPL counters are read (with wrap-around) when present, else an estimate labelled as one', () => {
  const dir = path.join(tmp, 'powercap');
  const pkg = path.join(dir, 'intel-rapl:0');
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(path.join(pkg, 'energy_uj'), '999000000');
  fs.writeFileSync(path.join(pkg, 'max_energy_range_uj'), '1000000000');
  const m = energyMeter({ powercapDir: dir });
  fs.writeFileSync(path.join(pkg, 'energy_uj'), '2000000'); // wrapped: 1 J to the top, then 2 J
  const r = m.stop();
  assert.equal(r.method, 'rapl');
  assert.equal(r.joules, 3);
  const est = energyMeter({ powercapDir: path.join(tmp, 'none'), assumedTdpW: 40 });
  // Work until this process has used 50 ms of CPU: /proc counts CPU time in 10 ms ticks, so a
  // fixed short loop (a few ms on a fast CPU or a newer V8) can read as 0 there.
  const c0 = process.cpuUsage();
  let x = 0; while (process.cpuUsage(c0).user + process.cpuUsage(c0).system < 50_000) for (let i = 0; i < 1e5; i++) x += Math.sqrt(i);
  const e = est.stop();
  assert.ok(x > 0);
  assert.equal(e.method, 'estimate');
  assert.equal(e.assumedTdpW, 40);
  assert.match(e.note, /ESTIMATE/);
  assert.ok(e.cpuSeconds > 0 && e.joules > 0);
});

test('rubric items come one per model and prompt, from the first measured ok answer, with the prompt text', () => {
  const items = rubricItemsFromRequests([
    record({ model: 'a', promptSetId: 'workshop', promptId: 'haiku-ocean', round: 1, warmup: true, outputText: 'warm' }),
    record({ model: 'a', promptSetId: 'workshop', promptId: 'haiku-ocean', round: 2, outputText: 'second' }),
    record({ model: 'a', promptSetId: 'workshop', promptId: 'haiku-ocean', round: 1, outputText: 'first' }),
    record({ model: 'b', promptSetId: 'workshop', promptId: 'haiku-ocean', round: 1, status: 'error', outputText: null }),
    record({ model: 'b', promptSetId: 'nope', promptId: 'x', round: 1, outputText: 'y' }),
  ]);
  assert.deepEqual(items.map((i) => [i.id, i.output]), [['a/workshop#haiku-ocean', 'first'], ['b/nope#x', 'y']]);
  assert.equal(items[0].prompt, 'Write a haiku about the ocean.');
  assert.equal(items[1].prompt, 'x');
  assert.deepEqual(items[0].scores, { coherence: null, factuality: null, brevity: null });
});
