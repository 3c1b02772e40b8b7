/**
 * The client room with real parts: timedChat through the real `openai` client against a
 * scripted SSE server on loopback (known delays, chunk sizes, usage or not, errors), against a
 * real slmlab service on a tiny synthetic model, and findEndpoint with real environment
 * variables, a real state file and a real `foundry` executable (a shell script) on PATH.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import OpenAI from 'openai';
import {
  EndpointError, chunkTokenCounts, findEndpoint, itlFromChunks, normalizeBaseURL, parseFoundryStatus, timedChat, type TimedCall,
} from '../lib/client';
import { TextTokenizer } from '../lib/engine/tokenizer';
import { startDaemon, stopDaemon } from '../lib/app/daemon';
import { writeState, stateFilePath } from '../lib/client/service-state';
import { buildModel } from '../lib/cache/build-model';
import { makeTempDir, removeTempDir } from './helpers/models';
import { startScriptedServer, type RecordedRequest, type ScriptChunk, type ScriptedServer } from './helpers/scripted-server';
import { clientFor, MODEL_ID, tinyFixture, type TinyFixture } from './helpers/service';

const ask = (content: string) => [{ role: 'user' as const, content }];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const r2 = (x: number) => Math.round(x * 100) / 100;
const sha = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest('hex');
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

let root: string;
let srv: ScriptedServer;
let client: OpenAI;
let tokenizer: TextTokenizer;

before(async () => {
  root = makeTempDir();
  srv = await startScriptedServer();
  client = new OpenAI({ baseURL: srv.baseURL, apiKey: 'x', maxRetries: 0 });
  const dir = path.join(root, 'tiny');
  await buildModel({ shape: 'tiny', precision: 'int4', out: dir });
  tokenizer = await TextTokenizer.fromFolder(dir); // byte-level, no merges: 'abc' is 3 tokens, 'é' 2
});
after(async () => {
  await srv.close();
  removeTempDir(root);
});

/** The request the scripted server recorded for a model (the last one). */
function recorded(model: string): RecordedRequest {
  const r = [...srv.requests].reverse().find((q) => q.body?.model === model);
  assert.ok(r, `the server saw a request for ${model}`);
  return r;
}

/** Server-side send times of the text chunks, in ms after the client's t0 (same clock). */
function serverTextTimes(call: TimedCall, rec: RecordedRequest): number[] {
  return rec.sends.filter((s) => s.kind === 'text').map((s) => s.at - call.startEpochMs);
}

describe('timedChat: metric definitions against a scripted server', () => {
  test('TTFT is the first chunk with text (role-only and empty chunks are not tokens), within 2 ms of the server\'s own send time', async (t) => {
    // Client and server share one clock (this process), so every client time can be checked
    // against the server's own send stamps. The loopback and the client's SSE parsing add a
    // delivery delay that is never negative; on a quiet machine it is well under 2 ms, on a loaded
    // one a round can be descheduled, hence: every round ≥ 0 and < 10 ms, the median < 2 ms.
    const FIRST = 40; // scripted: role at 5 ms, empty content at 15 ms, first text at 40 ms after the request
    const texts = ['Hello', ' wor', 'ld', '!', ' ok'];
    const chunks: ScriptChunk[] = [
      { delayMs: 5, role: true },
      { delayMs: 10, content: '' },
      ...texts.map((content, i) => ({ delayMs: i === 0 ? 25 : 10, content })),
      { delayMs: 3, finishReason: 'stop' },
    ];
    srv.script('ttft', { chunks, promptTokens: 11 });
    await timedChat(client, { model: 'ttft', messages: ask('warm up') }); // untimed, as in any benchmark
    const rows: string[] = [];
    const deviations: number[] = [];
    const gapErrors: number[] = [];
    const headerDelays: number[] = [];
    const e2eDeviations: number[] = [];
    for (let round = 0; round < 7; round++) {
      const call = await timedChat(client, { model: 'ttft', messages: ask('hi') });
      const rec = recorded('ttft');
      assert.equal(call.status, 'ok', call.error ?? '');
      const server = serverTextTimes(call, rec);
      // TTFT = request transit + scripted delay + the server's slip from its script + delivery.
      // The first three come from the server's own timestamps; what is left is the deviation.
      const requestMs = rec.bodyReadAt - call.startEpochMs;            // client t0 -> server has the body
      const slip = rec.sends.find((s) => s.kind === 'text')!.at - rec.bodyReadAt - FIRST; // server timer lateness
      const deviation = call.ttftMs! - (requestMs + FIRST + slip);     // = TTFT − (server's send − t0)
      assert.ok(Math.abs(deviation - (call.ttftMs! - server[0])) < 1e-6);
      assert.ok(call.ttftMs! >= FIRST, `TTFT ${call.ttftMs} ≥ scripted ${FIRST}: the role chunk (5 ms) and the empty chunk (15 ms) did not count`);
      assert.ok(slip >= 0, 'the server never sends early');
      assert.ok(deviation >= 0, `TTFT ${deviation} ms after the server's send of the first text: never before it`);
      deviations.push(deviation);
      rows.push(`round ${round}: TTFT ${r2(call.ttftMs!)} ms = request ${r2(requestMs)} + scripted ${FIRST} + server slip ${r2(slip)} + deviation ${r2(deviation)}`);

      assert.equal(call.chunks, 9, 'role, empty, 5 text, finish, usage');
      assert.equal(call.textChunks, 5);
      const headerDelay = call.responseMs! - (rec.headersAt! - call.startEpochMs);
      assert.ok(headerDelay >= 0 && call.responseMs! < call.ttftMs!);
      headerDelays.push(headerDelay);
      // E2E = arrival of the last text chunk, not of the finish/usage chunks sent 3 ms later.
      assert.equal(call.e2eMs, call.chunkTimesMs[4]);
      assert.ok(call.e2eMs! >= server[4] && call.totalMs > call.e2eMs!);
      e2eDeviations.push(call.e2eMs! - server[4]);
      // Usage: 5 tokens, 11 prompt tokens, straight from the usage chunk.
      assert.equal(call.tokenSource, 'usage');
      assert.equal(call.completionTokens, 5);
      assert.equal(call.promptTokens, 11);
      // TPOT = (E2E − TTFT)/(n − 1); decode speed (n − 1)/(E2E − TTFT).
      assert.equal(call.tpotMs, (call.e2eMs! - call.ttftMs!) / 4);
      assert.equal(call.decodeTokensPerSecond, (4 / (call.e2eMs! - call.ttftMs!)) * 1000);
      // One token per chunk: ITL = the four gaps between text chunks, against the server's gaps.
      assert.equal(call.itlMs.length, 4);
      assert.deepEqual(call.itlMs, call.chunkTimesMs.slice(1).map((x, i) => x - call.chunkTimesMs[i]));
      call.itlMs.forEach((g, i) => gapErrors.push(Math.abs(g - (server[i + 1] - server[i]))));
      assert.equal(call.chunkTokenSource, 'assumed');
      assert.equal(call.outputText, texts.join(''));
      assert.equal(call.outputSha256, sha('Hello world! ok'));
      assert.equal(call.finishReason, 'stop');
      assert.equal(call.slmlab, null);
      assert.ok(Math.abs(call.startEpochMs - Date.parse(call.startedAt)) < 2);
      assert.equal(rec.body.stream, true);
      assert.deepEqual(rec.body.stream_options, { include_usage: true });
    }
    assert.ok(median(deviations) < 2, `median TTFT deviation ${median(deviations)} ms`);
    assert.ok(median(gapErrors) < 2, `median |client gap − server gap| ${median(gapErrors)} ms`);
    assert.ok(median(headerDelays) < 2, `median header delivery ${median(headerDelays)} ms`);
    assert.ok(median(e2eDeviations) < 2, `median E2E deviation from the last text send ${median(e2eDeviations)} ms`);
    for (const row of rows) t.diagnostic(row);
    t.diagnostic(`TTFT deviation from the server's send: median ${r2(median(deviations))} ms, max ${r2(Math.max(...deviations))} ms; ` +
      `E2E: median ${r2(median(e2eDeviations))} ms; ITL |client − server gap|: median ${r2(median(gapErrors))} ms, max ${r2(Math.max(...gapErrors))} ms`);
  });

  test('a chunk carrying k tokens gives k ITL entries of gap/k (per-chunk usage), and mean ITL = TPOT', async (t) => {
    const texts = ['abc', 'def', 'ghi', 'jkl', 'mno', 'pqr'];
    srv.script('k3', {
      usage: 'continuous',
      chunks: [{ delayMs: 2, role: true }, ...texts.map((content, i) => ({ delayMs: i === 0 ? 20 : 12, content, tokens: 3 })), { delayMs: 1, finishReason: 'stop' }],
    });
    const call = await timedChat(client, { model: 'k3', messages: ask('go') }, { continuousUsage: true });
    assert.equal(call.status, 'ok', call.error ?? '');
    assert.deepEqual(recorded('k3').body.stream_options, { include_usage: true, continuous_usage_stats: true });
    assert.equal(call.chunkTokenSource, 'usage');
    assert.deepEqual(call.tokensPerChunk, [3, 3, 3, 3, 3, 3]);
    assert.equal(call.completionTokens, 18);
    assert.equal(call.itlMs.length, 17, 'one entry per token after the first');
    assert.deepEqual(call.itlMs.slice(0, 2), [0, 0], 'the first chunk\'s two extra tokens came with the first token');
    const server = serverTextTimes(call, recorded('k3'));
    const gapErrors: number[] = [];
    for (let j = 1; j < 6; j++) {
      const gap = call.chunkTimesMs[j] - call.chunkTimesMs[j - 1];
      const entries = call.itlMs.slice(2 + 3 * (j - 1), 2 + 3 * j);
      assert.deepEqual(entries, [gap / 3, gap / 3, gap / 3], `chunk ${j}: three entries of gap/3`);
      gapErrors.push(Math.abs(gap - (server[j] - server[j - 1])));
    }
    assert.ok(median(gapErrors) < 2, `client chunk gaps match the server's: median error ${median(gapErrors)} ms`);
    assert.ok(Math.abs(sum(call.itlMs) - (call.e2eMs! - call.ttftMs!)) < 1e-9, 'sum(ITL) = E2E − TTFT');
    assert.ok(Math.abs(sum(call.itlMs) / call.itlMs.length - call.tpotMs!) < 1e-9, 'mean ITL = TPOT');
    t.diagnostic(`k=3: per-chunk gaps ${call.chunkTimesMs.slice(1).map((x, i) => r2(x - call.chunkTimesMs[i])).join(', ')} ms → ITL entries ≈ ${r2(call.itlMs[2])} ms; TPOT ${r2(call.tpotMs!)} ms`);
  });

  test('without usage, tokens are counted with the model\'s tokenizer (marked counted), per chunk too', async () => {
    const texts = ['abc', 'déf', 'ghi', 'jk'];  // byte tokens: 3, 4 (é is two bytes), 3, 2
    srv.script('nousage', { usage: 'none', chunks: [{ delayMs: 1, role: true }, ...texts.map((content) => ({ delayMs: 6, content })), { delayMs: 1, finishReason: 'length' }] });
    const messages = ask('count me');
    const call = await timedChat(client, { model: 'nousage', messages, max_tokens: 12 }, { tokenizer });
    assert.equal(call.status, 'ok', call.error ?? '');
    assert.equal(call.tokenSource, 'counted');
    assert.equal(call.completionTokens, 12);
    assert.equal(call.promptTokens, tokenizer.encodeChat(messages).length, 'prompt counted through the chat template');
    assert.ok(call.promptTokens! > 'count me'.length);
    assert.equal(call.chunkTokenSource, 'tokenizer');
    assert.deepEqual(call.tokensPerChunk, [3, 4, 3, 2]);
    assert.equal(call.itlMs.length, 11);
    assert.equal(call.tpotMs, (call.e2eMs! - call.ttftMs!) / 11);
    assert.equal(call.finishReason, 'length');
    assert.equal(call.outputSha256, sha('abcdéfghijk'));

    const guess = await timedChat(client, { model: 'nousage', messages });
    assert.equal(guess.tokenSource, 'estimated', 'no usage, no tokenizer: characters / 4, and said so');
    assert.equal(guess.completionTokens, Math.ceil('abcdéfghijk'.length / 4));
    assert.equal(guess.promptTokens, Math.ceil('count me'.length / 4));
    assert.equal(guess.chunkTokenSource, 'assumed');
    assert.deepEqual(guess.tokensPerChunk, [1, 1, 1, 1]);
    assert.equal(guess.itlMs.length, 3, 'one per chunk when nothing says more');
  });

  test('usage at the end only, no tokenizer: ITL falls back to one per chunk, while TPOT uses the real count', async () => {
    const chunks: ScriptChunk[] = ['aaaa', 'bbbb', 'cccc'].map((content, i) => ({ delayMs: i ? 8 : 3, content, tokens: 4 }));
    srv.script('batched', { chunks: [...chunks, { delayMs: 1, finishReason: 'stop' }] });
    const call = await timedChat(client, { model: 'batched', messages: ask('x') });
    assert.equal(call.completionTokens, 12);
    assert.equal(call.chunkTokenSource, 'assumed');
    assert.equal(call.itlMs.length, 2);
    assert.ok(sum(call.itlMs) / 2 > 3 * call.tpotMs!, 'per-chunk ITL is ~4x TPOT here: the vLLM #27485 pitfall, visible in chunkTokenSource');
  });

  test('reasoning text counts as generated tokens for TTFT, but is kept out of outputText and its hash', async () => {
    srv.script('think', { chunks: [
      { delayMs: 1, role: true },
      { delayMs: 10, reasoning: 'hmm' },
      { delayMs: 5, reasoning: ' ok' },
      { delayMs: 20, content: 'Answer' },
      { delayMs: 1, finishReason: 'stop' },
    ] });
    const call = await timedChat(client, { model: 'think', messages: ask('x') });
    const server = serverTextTimes(call, recorded('think'));
    assert.equal(call.ttftMs, call.chunkTimesMs[0]);
    assert.ok(call.ttftMs! >= server[0] && call.ttftMs! < server[2], 'TTFT at the first reasoning chunk, not at the answer (inference-perf #559)');
    assert.equal(call.reasoningText, 'hmm ok');
    assert.equal(call.outputText, 'Answer');
    assert.equal(call.outputSha256, sha('Answer'));
    assert.equal(call.completionTokens, 3);
  });

  test('endpoint errors come back as status "error" with the HTTP status and message; nothing throws', async () => {
    srv.script('boom', { status: 500, errorMessage: 'the GPU caught fire' });
    const e500 = await timedChat(client, { model: 'boom', messages: ask('x') });
    assert.equal(e500.status, 'error');
    assert.equal(e500.errorStatus, 500);
    assert.match(e500.error!, /the GPU caught fire/);
    assert.equal(e500.ttftMs, null);
    assert.equal(e500.responseMs, null);
    assert.equal(e500.completionTokens, null);
    assert.equal(e500.outputText, '');

    const e404 = await timedChat(client, { model: 'no-such-model', messages: ask('x') });
    assert.equal(e404.status, 'error');
    assert.equal(e404.errorStatus, 404);
    assert.equal(e404.errorCode, 'model_not_found');
    assert.match(e404.error!, /no-such-model' does not exist/);

    srv.script('midway', { chunks: [{ delayMs: 1, role: true }, { delayMs: 2, content: 'par' }, { delayMs: 2, content: 'tial' }], midStreamError: 'engine crashed' });
    const mid = await timedChat(client, { model: 'midway', messages: ask('x') });
    assert.equal(mid.status, 'error');
    assert.match(mid.error!, /engine crashed/);
    assert.equal(mid.errorCode, 'generation_failed');
    assert.equal(mid.outputText, 'partial', 'what arrived before the error is kept');
    assert.ok(mid.ttftMs! > 0);

    srv.script('cut', { chunks: [{ delayMs: 1, content: 'half an ans' }], cutOff: true });
    const cut = await timedChat(client, { model: 'cut', messages: ask('x') });
    assert.equal(cut.status, 'error');
    assert.equal(cut.errorCode, 'stream_failed');
    assert.match(cut.error!, /terminated/);
    assert.equal(cut.outputText, 'half an ans');

    srv.script('nofinish', { chunks: [{ delayMs: 1, content: 'no finish reason' }], usage: 'none' });
    const nofinish = await timedChat(client, { model: 'nofinish', messages: ask('x') });
    assert.equal(nofinish.status, 'error');
    assert.equal(nofinish.errorCode, 'incomplete_stream');

    srv.script('garbled', { chunks: [{ delayMs: 1, content: 'ok so far' }], rawEvent: '{"choices": [oops' });
    const quiet = new OpenAI({ baseURL: srv.baseURL, apiKey: 'x', logLevel: 'off' });
    const garbled = await timedChat(quiet, { model: 'garbled', messages: ask('x') });
    assert.equal(garbled.status, 'error');
    assert.equal(garbled.errorCode, 'malformed_stream');
    assert.equal(garbled.outputText, 'ok so far');

    const port = await closedPort();
    const refused = await timedChat(new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x' }), { model: 'm', messages: ask('x') });
    assert.equal(refused.status, 'error');
    assert.equal(refused.errorCode, 'connection_error');
    assert.match(refused.error!, /ECONNREFUSED/);

    srv.script('slow', { chunks: [{ delayMs: 1, content: 'a' }, { delayMs: 300, content: 'b' }, { delayMs: 1, finishReason: 'stop' }] });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 60);
    const aborted = await timedChat(client, { model: 'slow', messages: ask('x') }, { signal: ac.signal });
    assert.equal(aborted.status, 'error');
    assert.equal(aborted.errorCode, 'aborted');
    assert.equal(aborted.outputText, 'a');
  });

  test('misuse throws: no model, no messages, a non-streaming request, not a client', async () => {
    await assert.rejects(timedChat(client, { messages: ask('x') } as any), TypeError);
    await assert.rejects(timedChat(client, { model: 'm', messages: [] }), TypeError);
    await assert.rejects(timedChat(client, { model: 'm', messages: ask('x'), stream: false } as any), TypeError);
    await assert.rejects(timedChat({} as any, { model: 'm', messages: ask('x') }), TypeError);
  });

  test('itlFromChunks and chunkTokenCounts: a chunk credited 0 tokens folds its time into the next', () => {
    // chunks at 10, 20, 30 ms carrying 2, 0, 3 tokens
    assert.deepEqual(itlFromChunks([10, 20, 30], [2, 0, 3]), [0, 20 / 3, 20 / 3, 20 / 3]);
    assert.deepEqual(itlFromChunks([5], [1]), []);
    const chunks = [{ t: 1, text: 'a', usageCompletion: 2 }, { t: 2, text: 'b', usageCompletion: 2 }, { t: 3, text: 'c', usageCompletion: 5 }];
    assert.deepEqual(chunkTokenCounts(chunks), { counts: [2, 0, 3], source: 'usage' });
    assert.deepEqual(chunkTokenCounts(chunks.map((c) => ({ ...c, usageCompletion: null })), { tokenizer }), { counts: [1, 1, 1], source: 'tokenizer' });
  });
});

describe('timedChat against a real slmlab service', () => {
  let fx: TinyFixture;
  before(async () => { fx = await tinyFixture(); });
  after(async () => { await fx.cleanup(); });

  test('client TTFT ≥ engine TTFT (the slmlab field), and the difference is small', async (t) => {
    const svc = await fx.start();
    const c = clientFor(svc);
    const tk = await TextTokenizer.fromFolder(fx.dir);
    const req = { model: MODEL_ID, messages: ask('Tell me about local inference.'), max_tokens: 24, temperature: 0 };
    const warm = await timedChat(c, req); // loads the model
    assert.equal(warm.status, 'ok', warm.error ?? '');
    const rows: string[] = [];
    const gaps: number[] = [];
    const overheads: number[] = [];
    for (let i = 0; i < 5; i++) {
      const call = await timedChat(c, req, { tokenizer: tk });
      assert.equal(call.status, 'ok', call.error ?? '');
      const x = call.slmlab!;
      assert.ok(x, 'the finish chunk carried the slmlab extension');
      assert.equal(x.provider, 'cpu');
      assert.equal(x.synthetic, true);
      assert.ok(x.ttftMs! > 0 && x.decodeMs.length > 0);
      assert.equal(call.tokenSource, 'usage');
      assert.equal(call.completionTokens, 24);
      assert.equal(call.outputSha256, warm.outputSha256, 'temperature 0: same text every time');
      const gap = call.ttftMs! - x.ttftMs!;
      assert.ok(gap >= 0, `client TTFT ${call.ttftMs} ≥ engine TTFT ${x.ttftMs}`);
      assert.ok(call.ttftMs! >= x.ttftMs! + x.serviceMs! + x.queueMs!, 'client TTFT covers service + queue + engine TTFT');
      gaps.push(gap);
      overheads.push(gap - x.serviceMs! - x.queueMs!);
      rows.push(`call ${i}: client ttft ${r2(call.ttftMs!)} ms, engine ttft ${r2(x.ttftMs!)} ms (service ${r2(x.serviceMs!)}, queue ${r2(x.queueMs!)}) → +${r2(gap)} ms; ` +
        `client tpot ${r2(call.tpotMs!)} ms vs engine mean decode ${r2(sum(x.decodeMs) / x.decodeMs.length)} ms; text chunks ${call.textChunks}, tokens/chunk [${call.tokensPerChunk.join(',')}] (${call.chunkTokenSource}, sum ${sum(call.tokensPerChunk)} vs usage ${call.completionTokens})`);
    }
    assert.ok(median(gaps) < 25, `median client − engine TTFT ${median(gaps)} ms is small`);
    for (const row of rows) t.diagnostic(row);
    t.diagnostic(`client − engine TTFT: median ${r2(median(gaps))} ms, max ${r2(Math.max(...gaps))} ms; ` +
      `less the service's own and queue time: median ${r2(median(overheads))} ms (HTTP both ways, the openai client, decode steps before the first visible text)`);
  });
});

describe('findEndpoint', () => {
  let bin: string;
  let stopped: string;
  let hang: string;
  let emptyBin: string;
  let cache: string;

  /** A real executable named `foundry` in its own folder, for PATH. */
  function foundryScript(name: string, body: string): string {
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'foundry'), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return dir;
  }

  before(() => {
    bin = foundryScript('bin-running', 'echo "🟢 Model management service is running on http://127.0.0.1:5273/openai/status"');
    stopped = foundryScript('bin-stopped', 'echo "🔴 Model management service is not running!"; exit 1');
    hang = foundryScript('bin-hang', 'exec /bin/sleep 30');
    emptyBin = path.join(root, 'bin-empty');
    fs.mkdirSync(emptyBin, { recursive: true });
    cache = path.join(root, 'slm-cache');
  });
  after(async () => { await stopDaemon({ cacheDir: cache }); });

  test('precedence: explicit > FOUNDRY_LOCAL_ENDPOINT > slmlab service > foundry service status', async () => {
    const env = { PATH: bin, SLMLAB_CACHE_DIR: cache, FOUNDRY_LOCAL_ENDPOINT: 'http://127.0.0.1:59959/' };
    const daemon = await startDaemon({ cacheDir: cache, port: 0, modelsDirs: [emptyBin], env: { SLMLAB_CACHE_DIR: cache } });
    try {
      assert.deepEqual(await findEndpoint({ explicit: 'http://10.1.2.3:8000', env }),
        { baseURL: 'http://10.1.2.3:8000/v1', kind: 'explicit', apiKey: 'not-needed', source: 'argument' });
      assert.deepEqual(await findEndpoint({ env }),
        { baseURL: 'http://127.0.0.1:59959/v1', kind: 'env', apiKey: 'not-needed', source: 'FOUNDRY_LOCAL_ENDPOINT' });
      const { FOUNDRY_LOCAL_ENDPOINT: _, ...noEnv } = env;
      const s = await findEndpoint({ env: { ...noEnv, SLMLAB_API_KEY: 'k1' } });
      assert.deepEqual(s, { baseURL: `${daemon.url}/v1`, kind: 'slmlab', apiKey: 'k1', source: stateFilePath(cache) });
      // The found endpoint really is an OpenAI endpoint.
      const models = await new OpenAI({ baseURL: s.baseURL, apiKey: s.apiKey }).models.list();
      assert.ok(Array.isArray(models.data));
    } finally {
      await stopDaemon({ cacheDir: cache });
    }
    const f = await findEndpoint({ env: { PATH: bin, SLMLAB_CACHE_DIR: cache } });
    assert.deepEqual(f, { baseURL: 'http://127.0.0.1:5273/v1', kind: 'foundry', apiKey: 'not-needed', source: path.join(bin, 'foundry') });
    assert.equal((await findEndpoint({ env: { PATH: bin, SLMLAB_CACHE_DIR: cache }, apiKey: 'mine' })).apiKey, 'mine');
  });

  test('a state file of a process that is gone is skipped (and cleaned); Foundry is found next', async () => {
    const staleCache = path.join(root, 'stale-cache');
    writeState(stateFilePath(staleCache), { pid: 2 ** 22 + 12345, url: 'http://127.0.0.1:1', port: 1, host: '127.0.0.1', startedAt: new Date().toISOString(), logFile: null });
    const f = await findEndpoint({ env: { PATH: bin, SLMLAB_CACHE_DIR: staleCache } });
    assert.equal(f.kind, 'foundry');
    assert.equal(fs.existsSync(stateFilePath(staleCache)), false);
  });

  test('nothing found: an EndpointError naming every way to get an endpoint; no foundry binary is not an error by itself', async () => {
    for (const PATH of [emptyBin, stopped]) {
      await assert.rejects(findEndpoint({ env: { PATH, SLMLAB_CACHE_DIR: cache } }), (e: unknown) => {
        assert.ok(e instanceof EndpointError);
        assert.match(e.message, /FOUNDRY_LOCAL_ENDPOINT/);
        assert.match(e.message, /slmlab service start/);
        assert.match(e.message, /foundry service start/);
        assert.match(e.tried.at(-1)!, PATH === emptyBin ? /no `foundry` binary on PATH/ : /named no running service/);
        return true;
      });
    }
  });

  test('a hanging `foundry service status` is killed at the time limit', async () => {
    const t0 = performance.now();
    await assert.rejects(findEndpoint({ env: { PATH: hang, SLMLAB_CACHE_DIR: cache }, foundryTimeoutMs: 300 }), EndpointError);
    assert.ok(performance.now() - t0 < 3000);
  });

  test('base URLs always end in /v1; status output is parsed with a URL regex', () => {
    assert.equal(normalizeBaseURL('http://127.0.0.1:8000'), 'http://127.0.0.1:8000/v1');
    assert.equal(normalizeBaseURL('http://127.0.0.1:8000/v1/'), 'http://127.0.0.1:8000/v1');
    assert.equal(normalizeBaseURL('http://localhost:5273/openai/status'), 'http://localhost:5273/v1');
    assert.equal(normalizeBaseURL('https://box.lan/llm'), 'https://box.lan/llm/v1');
    assert.throws(() => normalizeBaseURL('127.0.0.1:8000'), EndpointError);
    assert.equal(parseFoundryStatus('🟢 Model management service is running on http://127.0.0.1:5273/openai/status'), 'http://127.0.0.1:5273');
    assert.equal(parseFoundryStatus('Service is Started on http://localhost:55769/, PID 4242!'), 'http://localhost:55769');
    assert.equal(parseFoundryStatus('running on http://[::1]:5272/openai/status'), 'http://[::1]:5272');
    assert.equal(parseFoundryStatus('🔴 Model management service is not running!'), null);
  });
});

/** A port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
