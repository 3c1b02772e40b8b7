/**
 * Continuous batching in the engine: requests that run together give exactly the tokens they
 * give alone, and each one keeps its own limits, stop strings, cancellation and errors.
 *
 * Models: `tiny` (fp32, and int4 at the builder's accuracy level 4), and "twin layers": the
 * layer shapes of the qwen2.5-0.5b and phi-4-mini twins (hidden size, heads, KV heads, head
 * size, partial rotary, int4 block 32 at accuracy level 4), with fewer layers and the byte
 * tokenizer's small vocabulary so that they build in seconds. Batch invariance is a property of
 * each layer's kernels, so depth does not change it; the benchmark (scripts/bench/batching.ts)
 * checks the full qwen2.5-0.5b twin as well.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, type LoadedModel } from '../lib/engine/engine';
import type { GenerateRequest, GenerationResult } from '../lib/engine/types';
import { ContextLengthError, InvalidRequestError } from '../lib/errors';
import { SHAPES } from '../lib/synth/shapes';
import type { ModelShape } from '../lib/synth/shapes';
import { buildModel } from '../lib/cache/build-model';
import * as path from 'node:path';
import { buildTiny, makeTempDir, removeTempDir } from './helpers/models';
import { BatchScheduler } from '../lib/engine/batch-scheduler';
import { DecoderSession } from '../lib/engine/decoder-session';
import { inspectModelFolder } from '../lib/engine/model-folder';
import { TextTokenizer } from '../lib/engine/tokenizer';
import type { KvBatch } from '../lib/engine/kv-batch';
import { argmax } from '../lib/engine/sampling';
import { maxAbsDiff } from './helpers/models';

let root: string;
const loaded: LoadedModel[] = [];
const dirs: Record<string, string> = {};

async function load(dir: string, maxBatch: number): Promise<LoadedModel> {
  const m = await loadModel(dir, { threads: 1, maxBatch });
  loaded.push(m);
  return m;
}

/** A twin's layer shapes with `layers` layers and the byte tokenizer's vocabulary. */
function twinLayers(name: string, layers: number): ModelShape {
  const s = SHAPES[name];
  return { ...s, name: `${name}-layers`, layers, vocab: 259, context: 1024, tokenizer: 'byte', tiedEmbeddings: false };
}

/** Eight raw prompts of different lengths, each with its own max_tokens. */
const EIGHT: GenerateRequest[] = [
  'a', 'The quick brown fox', 'hi there', 'Local models run on your own machine, offline.',
  '12345', 'Once upon a time in a land far away', 'xyz?', 'batching shares each weight read',
// The first request sent is the longest, so it is still decoding when the last one joins even when
// the scheduler starts on it before the others arrive (a loaded machine staggers them).
].map((prompt, i) => ({ prompt, raw: true, maxTokens: 27 - 3 * i }));

before(async () => {
  root = makeTempDir();
  dirs.tinyFp32 = (await buildTiny(root, 'tiny-fp32', { precision: 'fp32', seed: 3 })).dir;
  dirs.tinyInt4 = (await buildTiny(root, 'tiny-int4', { precision: 'int4', seed: 3 })).dir;
  dirs.tinyOptimum = (await buildTiny(root, 'tiny-optimum', { precision: 'fp32', seed: 3, layout: 'optimum' })).dir;
  dirs.qwenLayers = (await buildModel({ shape: twinLayers('qwen2.5-0.5b', 2), precision: 'int4', seed: 3, out: path.join(root, 'qwen-layers'), threads: 1 })).dir;
  dirs.phiLayers = (await buildModel({ shape: twinLayers('phi-4-mini', 1), precision: 'int4', seed: 3, out: path.join(root, 'phi-layers'), threads: 1 })).dir;
});

after(async () => {
  await Promise.all(loaded.map((m) => m.dispose()));
  removeTempDir(root);
});

/** Each request alone, one after another, on an unbatched model (the classic solo loop). */
async function soloRuns(dir: string, requests: GenerateRequest[]): Promise<GenerationResult[]> {
  const solo = await load(dir, 1);
  const out: GenerationResult[] = [];
  for (const r of requests) out.push(await solo.complete(r));
  return out;
}

describe('batched greedy decoding equals solo decoding', () => {
  for (const [label, key] of [
    ['tiny fp32', 'tinyFp32'], ['tiny int4 (accuracy level 4)', 'tinyInt4'], ['tiny, optimum layout with position_ids', 'tinyOptimum'],
    ['qwen2.5-0.5b twin layers, int4', 'qwenLayers'], ['phi-4-mini twin layer (partial rotary), int4', 'phiLayers'],
  ] as const) {
    test(`8 concurrent requests with different prompts and lengths: ${label}`, async () => {
      const solo = await soloRuns(dirs[key], EIGHT);
      const m = await load(dirs[key], 8);
      assert.equal(m.info.batching.maxBatch, 8);
      assert.equal(m.info.batching.check?.exact, true, m.info.batching.check?.reason ?? '');
      const batched = await Promise.all(EIGHT.map((r) => m.complete(r)));
      for (let i = 0; i < EIGHT.length; i++) {
        assert.deepEqual(batched[i].tokenIds, solo[i].tokenIds, `request ${i} (${JSON.stringify(EIGHT[i].prompt)})`);
        assert.equal(batched[i].text, solo[i].text);
        assert.equal(batched[i].finishReason, solo[i].finishReason);
      }
      const widest = Math.max(...batched.flatMap((r) => r.timings.decodeBatchSizes ?? []));
      assert.equal(widest, 8, 'the eight requests never shared a decode step');
      assert.equal(m.info.batching.prefill.batched, true, m.info.batching.prefill.check?.reason ?? '');
      const widestPrefill = Math.max(...batched.map((r) => r.timings.prefillBatchSize ?? 1));
      assert.ok(widestPrefill >= 2, 'no two prompts were prefilled in one run');
      for (const r of batched) assert.equal(r.timings.decodeBatchSizes?.length, r.timings.decodeMs.length);
    });
  }
});

describe('each request keeps its own limits, stops, cancellation and errors', () => {
  let m: LoadedModel;
  let long: GenerateRequest;
  let soloLong: GenerationResult;
  before(async () => {
    m = await load(dirs.tinyFp32, 8);
    long = { prompt: 'abc', raw: true, maxTokens: 60 };
    [soloLong] = await soloRuns(dirs.tinyFp32, [long]);
    assert.equal(soloLong.completionTokens, 60, 'the long prompt runs to max_tokens on this model (pick another if the model changes)');
  });

  test('a request cancelled mid-batch ends with finish reason abort and leaves the others intact', async () => {
    const others = EIGHT.slice(0, 3);
    const solo = await soloRuns(dirs.tinyFp32, others);
    const ac = new AbortController();
    const victim = m.generate({ ...long }, { signal: ac.signal });
    const running = others.map((r) => m.complete(r));
    let seen = 0;
    for await (const _ of victim) if (++seen === 3) ac.abort();
    const v = await victim.result;
    assert.equal(v.finishReason, 'abort');
    assert.ok(v.completionTokens < 60, `the cancelled request ran to ${v.completionTokens} tokens`);
    assert.deepEqual(v.tokenIds, soloLong.tokenIds.slice(0, v.completionTokens), 'its tokens before the cancel are its solo ones');
    const done = await Promise.all(running);
    done.forEach((r, i) => assert.deepEqual(r.tokenIds, solo[i].tokenIds));
  });

  test('max_tokens and stop strings end only their own sequence', async () => {
    // two printable ASCII characters from the middle of the solo text (random weights print bytes)
    const at = [...soloLong.text].findIndex((c, i, a) => i >= 2 && /^[ -~]$/.test(c) && /^[ -~]$/.test(a[i + 1] ?? ''));
    const stopAt = [...soloLong.text].slice(at, at + 2).join('');
    const expectCut = soloLong.text.indexOf(stopAt);
    assert.ok(at >= 0 && expectCut >= 0 && stopAt.length === 2, 'the solo text holds a stop string');
    const [short, stopped, full] = await Promise.all([
      m.complete({ ...long, maxTokens: 3 }),
      m.complete({ ...long, stop: [stopAt] }),
      m.complete(long),
    ]);
    assert.equal(short.finishReason, 'length');
    assert.deepEqual(short.tokenIds, soloLong.tokenIds.slice(0, 3));
    assert.equal(stopped.finishReason, 'stop');
    assert.equal(stopped.text, soloLong.text.slice(0, expectCut));
    assert.deepEqual(full.tokenIds, soloLong.tokenIds);
    assert.equal(full.finishReason, soloLong.finishReason);
    const widest = Math.max(...(full.timings.decodeBatchSizes ?? []));
    assert.ok(widest >= 2, `the requests never decoded together (batch sizes ${JSON.stringify(full.timings.decodeBatchSizes)})`);
    assert.equal(full.timings.decodeBatchSizes?.at(-1), 1, 'the long request decoded alone once the others had left');
  });

  test('a request that joins while others decode gets its answer, and so do they', async () => {
    const joiner: GenerateRequest = { prompt: 'late arrival', raw: true, maxTokens: 12 };
    const [soloJoiner] = await soloRuns(dirs.tinyFp32, [joiner]);
    const first = m.generate(long);
    let late: Promise<GenerationResult> | null = null;
    let n = 0;
    for await (const _ of first) if (++n === 10) late = m.complete(joiner);
    const a = await first.result;
    assert.ok(late, 'the first request ended before 10 deltas');
    const b = await late!;
    assert.deepEqual(a.tokenIds, soloLong.tokenIds);
    assert.deepEqual(b.tokenIds, soloJoiner.tokenIds);
    assert.ok(a.timings.decodeBatchSizes!.slice(0, 5).every((x) => x === 1), 'the first request started alone');
    assert.ok(a.timings.decodeBatchSizes!.includes(2), 'the late request joined the running one');
  });

  test('a bad request in a batch fails alone with its own typed error', async () => {
    const results = await Promise.allSettled([
      m.complete(EIGHT[1]),
      m.complete({ prompt: 'x'.repeat(600), raw: true, maxTokens: 4 }),
      m.complete({ prompt: 'y', raw: true, maxTokens: 0 }),
      m.complete(EIGHT[3]),
    ]);
    assert.equal(results[0].status, 'fulfilled');
    assert.equal(results[3].status, 'fulfilled');
    assert.ok(results[1].status === 'rejected' && results[1].reason instanceof ContextLengthError, 'the over-long prompt fails with ContextLengthError');
    assert.ok(results[2].status === 'rejected' && results[2].reason instanceof InvalidRequestError, 'max_tokens 0 fails with InvalidRequestError');
  });

  test('more concurrent requests than maxBatch wait their turn and queue time says so', async () => {
    const small = await load(dirs.tinyFp32, 2);
    const rs = await Promise.all(EIGHT.slice(0, 5).map((r) => small.complete(r)));
    assert.ok(rs.every((r) => Math.max(...(r.timings.decodeBatchSizes ?? [1])) <= 2), 'never more than 2 in a step');
    assert.ok(rs.slice(2).every((r) => r.timings.queueMs > 0));
  });

  test('maxBatch outside 1..64 is refused with an error that names the fix', async () => {
    await assert.rejects(loadModel(dirs.tinyFp32, { maxBatch: 0 }), (e: unknown) => e instanceof InvalidRequestError && /1 runs requests one at a time/.test(e.message));
  });
});

describe('a decode step that fails in a batch', () => {
  test('is retried one sequence at a time: only the sequence whose own step fails gets the error', async () => {
    // In-process scheduler over a session whose batched runs fail, and whose solo runs fail for
    // one sequence only: the victim, whose prompt is longer than the others will ever grow.
    const folder = inspectModelFolder(dirs.tinyFp32);
    const session = await DecoderSession.create(folder.onnxPath, { provider: 'cpu', threads: 1 });
    const tokenizer = await TextTokenizer.fromFolder(folder.dir);
    const victim = { prompt: 'the victim has a prompt longer than the others', raw: true, maxTokens: 8 };
    const victimLength = tokenizer.encode(victim.prompt, { addSpecialTokens: true }).length;
    const flaky = Object.create(session) as DecoderSession;
    flaky.decodeBatch = async (batch: KvBatch, tokens: readonly number[]) => {
      if (batch.size > 1) throw new Error('simulated batched failure');
      if (batch.lengths[0] === victimLength + 2) throw new Error('simulated failure of this sequence');
      return session.decodeBatch(batch, tokens);
    };
    const scheduler = new BatchScheduler(flaky, { tokenizer, folder, provider: 'cpu' }, 4);
    const run = (request: GenerateRequest) => new Promise<GenerationResult>((resolve, reject) => scheduler.add({
      id: 0, request, queueMs: 0, shouldAbort: () => false, onDelta: () => undefined, onDone: resolve, onError: reject,
    }));
    const others = [EIGHT[2], EIGHT[4]];
    const solo = await soloRuns(dirs.tinyFp32, others);
    const results = await Promise.allSettled([run(others[0]), run(victim), run(others[1])]);
    await session.release();
    assert.equal(results[1].status, 'rejected');
    assert.match(String((results[1] as PromiseRejectedResult).reason), /simulated failure of this sequence/);
    for (const i of [0, 2] as const) {
      const r = results[i];
      assert.ok(r.status === 'fulfilled', String((r as PromiseRejectedResult).reason));
      assert.deepEqual(r.value.tokenIds, solo[i / 2].tokenIds);
    }
  });
});

describe('batched and chunked prefill', () => {
  /** An in-process scheduler (so a test can watch the session's runs) and a way to submit requests to it. */
  async function scheduler(dir: string, maxBatch: number, prefill: { batched: boolean; chunk: number }) {
    const folder = inspectModelFolder(dir);
    const session = await DecoderSession.create(folder.onnxPath, { provider: 'cpu', threads: 1 });
    const tokenizer = await TextTokenizer.fromFolder(folder.dir);
    const s = new BatchScheduler(session, { tokenizer, folder, provider: 'cpu' }, maxBatch, prefill);
    const run = (request: GenerateRequest, shouldAbort: () => boolean = () => false) => new Promise<GenerationResult>((resolve, reject) => s.add({
      id: 0, request, queueMs: 0, shouldAbort, onDelta: () => undefined, onDone: resolve, onError: reject,
    }));
    return { session, tokenizer, run };
  }

  test('8 prompts of different lengths prefilled in one run give their solo greedy text (qwen2.5-0.5b twin layers, int4)', async () => {
    const solo = await soloRuns(dirs.qwenLayers, EIGHT);
    const { session, run } = await scheduler(dirs.qwenLayers, 8, { batched: true, chunk: 0 });
    try {
      assert.equal((await session.checkPrefillBatching()).exact, true);
      // All eight are waiting before the scheduler's first turn: one prefill run takes them all.
      const batched = await Promise.all(EIGHT.map((r) => run(r)));
      for (let i = 0; i < EIGHT.length; i++) {
        assert.deepEqual(batched[i].tokenIds, solo[i].tokenIds, `request ${i}`);
        assert.equal(batched[i].timings.prefillBatchSize, i === 0 ? 1 : 7, `request ${i}'s prefill run`);
      }
    } finally {
      await session.release();
    }
  });

  test('a long prompt prefilled in chunks gives the same first token as one pass', async () => {
    const folder = inspectModelFolder(dirs.tinyInt4);
    const session = await DecoderSession.create(folder.onnxPath, { provider: 'cpu', threads: 1 });
    try {
      const ids = Array.from({ length: 37 }, (_, i) => (i * 37 + 11) % 250);
      const whole = await session.prefill(ids);
      let part = await session.prefill(ids.slice(0, 5));
      for (let i = 5; i < ids.length; i += 5) part = await session.prefillChunk(part.kv, ids.slice(i, i + 5));
      assert.equal(part.kv.length, ids.length);
      assert.equal(argmax(part.logits), argmax(whole.logits));
      assert.ok(maxAbsDiff(part.logits, whole.logits) < 1e-3, `max |diff| ${maxAbsDiff(part.logits, whole.logits)}`);
      // and the next decode step from the chunked cache picks the same token too
      const a = await session.decodeBatch(session.pack([whole.kv]), [argmax(whole.logits)]);
      const b = await session.decodeBatch(session.pack([part.kv]), [argmax(part.logits)]);
      assert.equal(argmax(b.logits[0]), argmax(a.logits[0]));
    } finally {
      await session.release();
    }
  });

  test('through the engine, --prefill-chunk cuts a long prompt into runs and the others keep their solo text', async () => {
    const long: GenerateRequest = { prompt: 'A long prompt that takes several chunks of four tokens each to prefill.', raw: true, maxTokens: 8 };
    const others = EIGHT.slice(0, 4);
    const solo = await soloRuns(dirs.tinyFp32, [long, ...others]);
    const m = await loadModel(dirs.tinyFp32, { threads: 1, maxBatch: 8, prefillChunk: 4 });
    loaded.push(m);
    assert.equal(m.info.batching.prefill.chunk, 4);
    const [l, ...rest] = await Promise.all([long, ...others].map((r) => m.complete(r)));
    assert.equal(l.tokenIds[0], solo[0].tokenIds[0], 'the chunked prompt\'s first token');
    assert.equal(l.timings.prefillRuns, Math.ceil(l.promptTokens / 4));
    rest.forEach((r, i) => assert.deepEqual(r.tokenIds, solo[i + 1].tokenIds, `request ${i}`));
    await assert.rejects(loadModel(dirs.tinyFp32, { prefillChunk: -1 }), (e: unknown) => e instanceof InvalidRequestError && /prefillChunk/.test(e.message));
  });

  test('a request cancelled mid-prefill ends with abort and leaves the others intact', async () => {
    const { session, run } = await scheduler(dirs.tinyFp32, 8, { batched: true, chunk: 3 });
    const others = [EIGHT[0], EIGHT[2], EIGHT[4]]; // prompts of 3 tokens or fewer: one prefill run each
    const solo = await soloRuns(dirs.tinyFp32, others);
    // The victim is cancelled after its second chunk (of many).
    let chunks = 0;
    const prefillChunk = session.prefillChunk.bind(session);
    session.prefillChunk = async (kv, ids) => { chunks++; return prefillChunk(kv, ids); };
    try {
      const victim = run({ prompt: 'a prompt of many, many tokens that is cancelled while it is prefilled', raw: true, maxTokens: 8 }, () => chunks >= 2);
      const done = await Promise.all(others.map((r) => run(r)));
      const v = await victim;
      assert.equal(v.finishReason, 'abort');
      assert.equal(v.completionTokens, 0);
      assert.ok(chunks >= 2 && chunks < 10, `${chunks} chunk runs`);
      done.forEach((r, i) => assert.deepEqual(r.tokenIds, solo[i].tokenIds, `request ${i}`));
    } finally {
      await session.release();
    }
  });
});
