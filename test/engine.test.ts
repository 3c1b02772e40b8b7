import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import type { Worker } from 'node:worker_threads';
import { loadModel, type LoadedModel } from '../lib/engine/engine';
import { DecoderSession } from '../lib/engine/decoder-session';
import { probeProviders } from '../lib/engine/providers';
import type { GenerationResult } from '../lib/engine/types';
import {
  ContextLengthError, EngineCrashedError, InvalidRequestError, ModelInvalidError, ModelNotFoundError,
  ProviderUnavailableError, UnknownProviderError,
} from '../lib/errors';
import { buildTiny, copyDir, makeTempDir, maxAbsDiff, removeTempDir } from './helpers/models';

let root: string;
let fp32Dir: string;
let optimumDir: string;
let int4Dir: string;
/** Every model loaded here, disposed in `after` so the process can exit. */
const loaded: LoadedModel[] = [];
/** The shared fp32 model most tests generate from. */
let model: LoadedModel;

async function load(dir: string, opts: Parameters<typeof loadModel>[1] = {}): Promise<LoadedModel> {
  const m = await loadModel(dir, { threads: 1, ...opts });
  loaded.push(m);
  return m;
}

const PROMPT = 'Hello world';

before(async () => {
  root = makeTempDir();
  // Same shape and seed: the genai and optimum folders hold the same weights.
  fp32Dir = (await buildTiny(root, 'fp32', { precision: 'fp32', seed: 11 })).dir;
  optimumDir = (await buildTiny(root, 'optimum', { precision: 'fp32', seed: 11, layout: 'optimum' })).dir;
  int4Dir = (await buildTiny(root, 'int4-acc0', { precision: 'int4', accuracyLevel: 0, seed: 11 })).dir;
  model = await load(fp32Dir);
});

after(async () => {
  await Promise.all(loaded.map((m) => m.dispose()));
  removeTempDir(root);
});

// ---- KV cache -----------------------------------------------------------------------------

describe('cached decoding', () => {
  const cases: [string, () => string][] = [
    ['genai layout (fp32)', () => path.join(fp32Dir, 'model.onnx')],
    ['optimum layout with position_ids (fp32)', () => path.join(optimumDir, 'onnx', 'model.onnx')],
    ['int4 at accuracy level 0', () => path.join(int4Dir, 'model.onnx')],
  ];
  for (const [label, onnx] of cases) {
    test(`cached decoding gives the same logits as full recomputation over several steps: ${label}`, async () => {
      const session = await DecoderSession.create(onnx(), { provider: 'cpu', threads: 1 });
      try {
        if (label.startsWith('optimum')) assert.ok(session.session.inputNames.includes('position_ids'));
        const prompt = [72, 101, 108, 108, 111, 44];
        const more = [32, 119, 111, 114, 108];
        // 1. Cached: the prompt in one step, then one token at a time. Copy each row.
        const cached: Float32Array[] = [Float32Array.from(await session.step(prompt))];
        assert.equal(session.cachedTokens, prompt.length);
        for (const id of more) cached.push(Float32Array.from(await session.step([id])));
        assert.equal(session.cachedTokens, prompt.length + more.length);
        // 2. Full recomputation of every prefix from an empty cache.
        for (let i = 0; i < cached.length; i++) {
          const prefix = [...prompt, ...more.slice(0, i)];
          const full = await session.allLogits(prefix);
          assert.deepEqual([...full.dims], [1, prefix.length, 259]);
          const lastRow = full.data.subarray((prefix.length - 1) * 259, prefix.length * 259);
          assert.equal(cached[i].length, 259);
          const diff = maxAbsDiff(cached[i], lastRow);
          assert.ok(diff <= 1e-4, `step ${i}: max |cached - full| = ${diff}`);
        }
        // The rows differ from step to step (the cache is really read, not a constant output).
        assert.ok(maxAbsDiff(cached[0], cached[cached.length - 1]) > 1e-3);
      } finally {
        await session.release();
      }
    });
  }

  test('the genai and optimum layouts of the same weights give the same logits', async () => {
    const a = await DecoderSession.create(path.join(fp32Dir, 'model.onnx'), { provider: 'cpu', threads: 1 });
    const b = await DecoderSession.create(path.join(optimumDir, 'onnx', 'model.onnx'), { provider: 'cpu', threads: 1 });
    try {
      const ids = [1, 50, 100, 150, 200, 250, 7, 9];
      const la = await a.allLogits(ids);
      const lb = await b.allLogits(ids);
      const diff = maxAbsDiff(la.data, lb.data);
      assert.ok(diff <= 1e-4, `max |genai - optimum| = ${diff}`);
    } finally {
      await a.release();
      await b.release();
    }
  });
});

// ---- generation through the worker ----------------------------------------------------------

describe('generation', () => {
  let greedy: GenerationResult;
  before(async () => {
    greedy = await model.complete({ prompt: PROMPT, maxTokens: 40 });
  });

  test('both layouts load through loadModel and give the same greedy text for the same prompt', async () => {
    const opt = await load(optimumDir);
    assert.equal(opt.info.folder.layout, 'optimum');
    assert.equal(model.info.folder.layout, 'genai');
    assert.ok(opt.info.inputNames.includes('position_ids'));
    const r = await opt.complete({ prompt: PROMPT, maxTokens: 40 });
    assert.equal(greedy.completionTokens, 40);
    assert.deepEqual(r.tokenIds, greedy.tokenIds);
    assert.equal(r.text, greedy.text);
    assert.equal(r.synthetic, true);
    await opt.dispose();
  });

  test('greedy decoding is deterministic', async () => {
    const a = await model.complete({ prompt: PROMPT, maxTokens: 40, temperature: 0 });
    const b = await model.complete({ prompt: PROMPT, maxTokens: 40, temperature: 0 });
    assert.deepEqual(a.tokenIds, b.tokenIds);
    assert.deepEqual(a.tokenIds, greedy.tokenIds);
    assert.equal(a.text, b.text);
  });

  test('seeded sampling reproduces with the same seed and differs with another', async () => {
    const req = { prompt: PROMPT, maxTokens: 30, temperature: 0.9, topP: 0.9 };
    const a = await model.complete({ ...req, seed: 7 });
    const b = await model.complete({ ...req, seed: 7 });
    const c = await model.complete({ ...req, seed: 8 });
    assert.ok(a.tokenIds.length > 0);
    assert.deepEqual(a.tokenIds, b.tokenIds);
    assert.equal(a.text, b.text);
    assert.notDeepEqual(c.tokenIds, a.tokenIds);
    assert.notDeepEqual(a.tokenIds, greedy.tokenIds.slice(0, a.tokenIds.length), 'sampling gave the greedy tokens');
  });

  test('streamed deltas add up to the result text, with token counts and timings', async () => {
    const stream = model.generate({ prompt: PROMPT, maxTokens: 24 });
    let streamed = '';
    let deltas = 0;
    let lastIndex = -1;
    for await (const d of stream) {
      assert.equal(typeof d.text, 'string');
      assert.ok(d.text.length > 0, 'empty delta');
      assert.ok(d.index >= lastIndex, 'delta indices went backwards');
      lastIndex = d.index;
      streamed += d.text;
      deltas++;
    }
    const r = await stream.result;
    assert.ok(deltas > 0);
    assert.equal(streamed, r.text);
    assert.equal(r.completionTokens, r.tokenIds.length);
    assert.equal(r.finishReason, 'length');
    assert.equal(r.completionTokens, 24);
    assert.ok(r.promptTokens > 0);
    assert.ok(r.timings.ttftMs > 0, `ttftMs = ${r.timings.ttftMs}`);
    assert.ok(r.timings.prefillMs > 0);
    assert.ok(r.timings.totalMs >= r.timings.ttftMs);
    assert.equal(r.timings.decodeMs.length, r.completionTokens - 1);
    assert.ok(r.timings.decodeMs.every((ms) => ms > 0));
    assert.ok(r.decodeTokensPerSecond !== null && r.decodeTokensPerSecond > 0);
    assert.equal(r.provider, 'cpu');
    assert.equal(r.model, 'fp32');
  });

  test('max_tokens is honoured', async () => {
    for (const maxTokens of [1, 5]) {
      const r = await model.complete({ prompt: PROMPT, maxTokens });
      assert.equal(r.finishReason, 'length');
      assert.equal(r.completionTokens, maxTokens);
      assert.deepEqual(r.tokenIds, greedy.tokenIds.slice(0, maxTokens));
    }
  });

  test('a stop string ends the text before it with finish reason stop', async () => {
    const text = greedy.text;
    // A 2-character window from the middle of the greedy text, avoiding U+FFFD (a held-back partial byte).
    let at = -1;
    for (let i = Math.floor(text.length / 2); i < text.length - 1 && at === -1; i++) {
      if (!text.slice(i, i + 2).includes('\uFFFD')) at = i;
    }
    for (let i = Math.floor(text.length / 2); i > 0 && at === -1; i--) {
      if (!text.slice(i, i + 2).includes('\uFFFD')) at = i;
    }
    assert.ok(at > 0, `no usable stop string in ${JSON.stringify(text)}`);
    const stop = text.slice(at, at + 2);
    const first = text.indexOf(stop);
    const r = await model.complete({ prompt: PROMPT, maxTokens: 40, stop: [stop] });
    assert.equal(r.finishReason, 'stop');
    assert.equal(r.text, text.slice(0, first));
    assert.ok(!r.text.includes(stop));
    assert.ok(r.completionTokens < 40);
    assert.deepEqual(r.tokenIds, greedy.tokenIds.slice(0, r.completionTokens));
  });

  test('aborting after the first delta ends generation with finish reason abort', async () => {
    const ac = new AbortController();
    const maxTokens = 470;
    const stream = model.generate({ prompt: PROMPT, maxTokens }, { signal: ac.signal });
    let deltas = 0;
    for await (const _ of stream) {
      deltas++;
      if (deltas === 1) ac.abort();
    }
    const r = await stream.result;
    assert.equal(r.finishReason, 'abort');
    assert.ok(r.completionTokens < maxTokens, `generated ${r.completionTokens} tokens`);
    assert.ok(r.completionTokens >= 1);
    // The model keeps serving.
    const next = await model.complete({ prompt: PROMPT, maxTokens: 3 });
    assert.equal(next.finishReason, 'length');
  });

  test('a request aborted before it starts rejects without running', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(model.complete({ prompt: PROMPT, maxTokens: 3 }, { signal: ac.signal }), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'aborted');
      return true;
    });
  });

  test('one loaded model serves several requests in a row', async () => {
    const prompts = ['a', 'bc', 'def'];
    const results: GenerationResult[] = [];
    for (const p of prompts) results.push(await model.complete({ prompt: p, maxTokens: 6 }));
    for (const r of results) assert.equal(r.completionTokens, 6);
    assert.ok(results[0].promptTokens < results[1].promptTokens && results[1].promptTokens < results[2].promptTokens);
    // Each request starts from a fresh cache: repeating the first gives the same tokens.
    const again = await model.complete({ prompt: 'a', maxTokens: 6 });
    assert.deepEqual(again.tokenIds, results[0].tokenIds);
  });

  test('concurrent generate() calls queue and all complete', async () => {
    const requests = [
      { prompt: PROMPT, maxTokens: 12 },
      { prompt: 'x', maxTokens: 8 },
      { prompt: PROMPT, maxTokens: 12 },
      { prompt: 'yz', maxTokens: 5 },
    ];
    const results = await Promise.all(requests.map((r) => model.complete(r)));
    results.forEach((r, i) => {
      assert.equal(r.completionTokens, requests[i].maxTokens);
      assert.equal(r.finishReason, 'length');
    });
    assert.deepEqual(results[0].tokenIds, greedy.tokenIds.slice(0, 12));
    assert.deepEqual(results[2].tokenIds, results[0].tokenIds);
    // Later requests waited for earlier ones.
    assert.ok(results[3].timings.queueMs > 0, `queueMs = ${results[3].timings.queueMs}`);
  });
});

// ---- errors ------------------------------------------------------------------------------------

describe('bad inputs raise typed errors that name the fix', () => {
  test('a missing folder raises ModelNotFoundError mentioning slmlab model build', async () => {
    await assert.rejects(loadModel(path.join(root, 'no-such-model')), (e: unknown) => {
      assert.ok(e instanceof ModelNotFoundError, `got ${String(e)}`);
      assert.match(e.message, /slmlab model build/);
      return true;
    });
  });

  test('a corrupt model.onnx raises ModelInvalidError saying to re-download or rebuild', async () => {
    const dir = path.join(root, 'corrupt');
    copyDir(fp32Dir, dir);
    fs.writeFileSync(path.join(dir, 'model.onnx'), Buffer.from('this is not a protobuf at all \x00\x01\x02\xff'.repeat(20)));
    await assert.rejects(loadModel(dir), (e: unknown) => {
      assert.ok(e instanceof ModelInvalidError, `got ${String(e)}`);
      assert.match(e.message, /re-download or rebuild/);
      return true;
    });
  });

  test('an unknown provider raises UnknownProviderError listing cpu, webgpu and cuda', async () => {
    await assert.rejects(loadModel(fp32Dir, { provider: 'tpu' }), (e: unknown) => {
      assert.ok(e instanceof UnknownProviderError, `got ${String(e)}`);
      assert.match(e.message, /tpu/);
      assert.match(e.message, /cpu, webgpu, cuda/);
      return true;
    });
  });

  test('provider cuda on a machine without it raises ProviderUnavailableError', async (t) => {
    const [cuda] = await probeProviders({ only: ['cuda'] });
    if (cuda.usable) { t.skip('cuda is usable on this machine'); return; }
    await assert.rejects(loadModel(fp32Dir, { provider: 'cuda' }), (e: unknown) => {
      assert.ok(e instanceof ProviderUnavailableError, `got ${String(e)}`);
      assert.equal(e.provider, 'cuda');
      assert.match(e.message, /--ep cpu/);
      return true;
    });
  });

  test('a prompt longer than the context raises ContextLengthError', async () => {
    await assert.rejects(model.complete({ prompt: 'a'.repeat(600), maxTokens: 4 }), (e: unknown) => {
      assert.ok(e instanceof ContextLengthError, `got ${String(e)}`);
      assert.match(e.message, /512/);
      assert.match(e.message, /shorten the prompt/);
      return true;
    });
    // prompt + max_tokens over the context: the message says how many tokens fit.
    await assert.rejects(model.complete({ prompt: PROMPT, maxTokens: 510 }), (e: unknown) => {
      assert.ok(e instanceof ContextLengthError, `got ${String(e)}`);
      assert.match(e.message, /set max_tokens to \d+ or less/);
      return true;
    });
    // The model still serves after a rejected request.
    assert.equal((await model.complete({ prompt: PROMPT, maxTokens: 2 })).completionTokens, 2);
  });

  for (const maxTokens of [0, -1]) {
    test(`max_tokens ${maxTokens} raises InvalidRequestError with param max_tokens`, async () => {
      await assert.rejects(model.complete({ prompt: PROMPT, maxTokens }), (e: unknown) => {
        assert.ok(e instanceof InvalidRequestError, `got ${String(e)}`);
        assert.equal(e.param, 'max_tokens');
        assert.match(e.message, /max_tokens/);
        return true;
      });
    });
  }

  test('an invalid message role raises InvalidRequestError naming the field, even from the worker', async () => {
    const bad = { messages: [{ role: 'robot', content: 'hi' }] } as unknown as Parameters<LoadedModel['complete']>[0];
    await assert.rejects(model.complete({ ...bad, maxTokens: 2 }), (e: unknown) => {
      assert.ok(e instanceof InvalidRequestError, `got ${String(e)}`);
      assert.match(e.message, /robot/);
      assert.equal(e.param, 'messages[0].role', 'the param of an error raised in the worker was lost on the way back');
      return true;
    });
  });

  test('a folder without tokenizer.json raises ModelNotFoundError', async () => {
    const dir = path.join(root, 'no-tokenizer');
    copyDir(fp32Dir, dir);
    fs.rmSync(path.join(dir, 'tokenizer.json'));
    await assert.rejects(loadModel(dir), (e: unknown) => {
      assert.ok(e instanceof ModelNotFoundError, `got ${String(e)}`);
      assert.match(e.message, /tokenizer\.json/);
      assert.match(e.message, /rebuild|download/);
      return true;
    });
  });

  test('a folder in neither layout raises ModelInvalidError naming both layouts', async () => {
    const dir = path.join(root, 'no-layout');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(fp32Dir, 'model.onnx'), path.join(dir, 'model.onnx'));
    fs.copyFileSync(path.join(fp32Dir, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
    await assert.rejects(loadModel(dir), (e: unknown) => {
      assert.ok(e instanceof ModelInvalidError, `got ${String(e)}`);
      assert.match(e.message, /genai_config\.json/);
      assert.match(e.message, /config\.json \+ onnx/);
      return true;
    });
  });
});

// ---- worker crashes ------------------------------------------------------------------------------

describe('worker restarts', () => {
  test('a worker that dies between requests is restarted for the next one', async () => {
    const m = await load(fp32Dir);
    const first = await m.complete({ prompt: PROMPT, maxTokens: 5 });
    assert.equal(m.restarts, 0);
    const worker = (m as any).worker as Worker;
    const exited = once(worker, 'exit');
    await worker.terminate();
    await exited; // the engine's own 'exit' listener ran first: it has noticed the death
    const second = await m.complete({ prompt: PROMPT, maxTokens: 5 });
    assert.equal(m.restarts, 1);
    assert.deepEqual(second.tokenIds, first.tokenIds);
    await m.dispose();
  });

  test('a worker that dies during a request fails it with EngineCrashedError and serves the queued one', async () => {
    // The death is signalled as Node reports one ('error', then the engine drops the worker), without
    // terminating a thread that is inside ONNX Runtime's run(): see the dispose test below for why.
    // Unbatched, so the second request waits in the main thread's queue instead of joining the batch
    // in the dying worker (every request in a batch fails with it).
    const m = await load(fp32Dir, { maxBatch: 1 });
    const stream = m.generate({ prompt: PROMPT, maxTokens: 470 });
    const queued = m.complete({ prompt: PROMPT, maxTokens: 5 });
    const dying = (m as any).worker as Worker;
    const oldDone = new Promise<void>((resolve) => dying.on('message', (msg: { type: string }) => { if (msg.type === 'done' || msg.type === 'error') resolve(); }));
    let signalled = false;
    await assert.rejects((async () => {
      for await (const _ of stream) {
        if (!signalled) { signalled = true; dying.emit('error', new Error('simulated worker crash')); }
      }
    })(), (e: unknown) => {
      assert.ok(e instanceof EngineCrashedError, `got ${String(e)}`);
      assert.match(e.message, /simulated worker crash/);
      assert.match(e.message, /reloaded/);
      return true;
    });
    assert.ok(signalled, 'no delta arrived before the request ended');
    await assert.rejects(stream.result, EngineCrashedError);
    const r = await queued;
    assert.equal(r.completionTokens, 5);
    assert.equal(m.restarts, 1);
    assert.notEqual((m as any).worker, dying, 'the engine kept the dead worker');
    const again = await m.complete({ prompt: PROMPT, maxTokens: 5 });
    assert.deepEqual(again.tokenIds, r.tokenIds);
    // Let the abandoned thread finish its generation before it is stopped (it is idle then).
    await oldDone;
    await dying.terminate();
    await m.dispose();
  });

  test('disposing a model while it generates aborts the request and does not abort the process', () => {
    // Run in a child process: when this goes wrong, ONNX Runtime's native code aborts the whole
    // process ("terminate called after throwing an instance of 'Napi::Error'").
    const script = `
      const { loadModel } = require(process.argv[1]);
      (async () => {
        const outcomes = [];
        for (const wait of ['first-delta', 5, 20, 'first-delta', 5, 20, 'first-delta', 5]) {
          const m = await loadModel(process.argv[2], { threads: 1 });
          await m.complete({ prompt: 'hi', maxTokens: 2 });
          const s = m.generate({ prompt: 'Hello world', maxTokens: 470 });
          const settled = s.result.then((r) => 'finished:' + r.finishReason, (e) => 'rejected:' + e.message);
          if (wait === 'first-delta') { for await (const _ of s) break; }
          else await new Promise((r) => setTimeout(r, wait));
          await m.dispose();
          outcomes.push(await settled);
        }
        process.stdout.write(JSON.stringify(outcomes));
      })().catch((e) => { console.error(e); process.exit(3); });`;
    const child = spawnSync(process.execPath, ['-e', script, path.join(__dirname, '..', 'lib', 'engine', 'engine.js'), fp32Dir], {
      encoding: 'utf8', timeout: 40_000,
    });
    const why = `exit ${child.status} signal ${child.signal}; stderr: ${child.stderr.trim().slice(-400)}`;
    assert.equal(child.signal, null, `the process was killed by a signal (${why})`);
    assert.equal(child.status, 0, why);
    const outcomes = JSON.parse(child.stdout) as string[];
    assert.equal(outcomes.length, 8);
    for (const o of outcomes) assert.match(o, /^rejected:.*disposed|^finished:/, o);
    assert.ok(outcomes.some((o) => o === 'finished:abort' || o.startsWith('rejected:')), `no generation was in flight when dispose() ran: ${outcomes.join(', ')}`);
  });

  test('a disposed model rejects new requests', async () => {
    const m = await load(fp32Dir);
    await m.dispose();
    await assert.rejects(m.complete({ prompt: PROMPT, maxTokens: 2 }), /disposed/);
  });
});
