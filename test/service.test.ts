/**
 * The service as clients meet it: a real HTTP server on loopback, a real tiny model built by
 * synth/, and the real `openai` client (v6) for the OpenAI routes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import OpenAI from 'openai';
import type { ServiceHandle } from '../lib/service/server';
import { ModelManager, type ServedRequest } from '../lib/service/model-manager';
import { loadModel, type LoadedModel } from '../lib/engine/engine';
import { FolderRegistry } from '../lib/service/folder-registry';
import { ModelNotFoundError } from '../lib/errors';
import { parseServiceArgs } from '../lib/app/main';
import { clientFor, MODEL_ALIAS, MODEL_ID, tinyFixture, type TinyFixture } from './helpers/service';

let fx: TinyFixture;
let svc: ServiceHandle;
let client: OpenAI;

const ask = (content: string) => [{ role: 'user' as const, content }];
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

before(async () => {
  fx = await tinyFixture();
  svc = await fx.start({ maxQueue: 64 });
  client = clientFor(svc);
});
after(async () => { await fx.cleanup(); });

/** Waits for the next finished request on `svc` that matches. */
function nextDone(s: ServiceHandle, match: (r: ServedRequest) => boolean = () => true): Promise<ServedRequest> {
  return new Promise((resolve) => {
    const off = s.manager.onRequestDone((r) => { if (match(r)) { off(); resolve(r); } });
  });
}

async function streamText(c: OpenAI, body: Omit<OpenAI.Chat.ChatCompletionCreateParamsStreaming, 'stream'>) {
  const stream = await c.chat.completions.create({ ...body, stream: true });
  const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
  let text = '';
  for await (const ch of stream) {
    chunks.push(ch);
    text += ch.choices[0]?.delta?.content ?? '';
  }
  return { text, chunks };
}

describe('OpenAI routes', () => {
  test('GET /v1/models lists the cached models only, in OpenAI\'s list shape', async () => {
    const page = await client.models.list();
    assert.deepEqual(page.data.map((m) => m.id), [MODEL_ID]);
    const m = page.data[0];
    assert.equal(m.object, 'model');
    assert.equal(m.owned_by, 'slmlab');
    assert.ok(Number.isInteger(m.created) && m.created > 1.6e9);
    assert.equal((await client.models.retrieve(MODEL_ID)).id, MODEL_ID);
  });

  test('a whole answer has OpenAI\'s shape, usage, finish_reason, timings header and the slmlab field', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: MODEL_ALIAS, messages: ask('Hello'), max_tokens: 12 }).withResponse();
    assert.match(data.id, /^chatcmpl-[0-9a-f]{24}$/);
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.model, MODEL_ID, 'the alias resolves to the model id');
    assert.ok(Math.abs(data.created - Date.now() / 1000) < 60);
    assert.equal(data.choices.length, 1);
    assert.equal(data.choices[0].message.role, 'assistant');
    assert.equal(typeof data.choices[0].message.content, 'string');
    assert.equal(data.choices[0].finish_reason, 'length');
    assert.equal(data.usage!.completion_tokens, 12);
    assert.ok(data.usage!.prompt_tokens > 0);
    assert.equal(data.usage!.total_tokens, data.usage!.prompt_tokens + 12);
    const timings = JSON.parse(response.headers.get('x-slmlab-timings')!);
    assert.equal(timings.decodeSteps, 11);
    assert.ok(timings.ttftMs > 0 && timings.totalMs >= timings.ttftMs);
    const ext = (data as any).slmlab;
    assert.equal(ext.provider, 'cpu');
    assert.equal(ext.synthetic, true);
    assert.ok(ext.ttft_ms > 0 && ext.decode_tokens_per_second > 0);
    assert.equal(ext.timings.decodeMs.length, 11);
  });

  test('a stream starts with the role, carries the same text as the whole answer, and ends with usage when asked', async () => {
    const body = { model: MODEL_ID, messages: ask('Stream me'), max_tokens: 20 };
    const whole = await client.chat.completions.create(body);
    const { text, chunks } = await streamText(client, { ...body, stream_options: { include_usage: true } });
    assert.equal(text, whole.choices[0].message.content);
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id && c.model === MODEL_ID));
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    assert.equal(finish?.choices[0].finish_reason, 'length');
    assert.equal((finish as any).slmlab.synthetic, true);
    const last = chunks[chunks.length - 1];
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, whole.usage);
    // Without include_usage, no usage chunk.
    const plain = await streamText(client, body);
    assert.ok(plain.chunks.every((c) => !c.usage && c.choices.length === 1));
    assert.equal(plain.text, text);
  });

  test('continuous_usage_stats puts cumulative usage on every content chunk, ending at the final usage', async () => {
    const body = { model: MODEL_ID, messages: ask('Count my tokens'), max_tokens: 12 };
    const { chunks } = await streamText(client, { ...body, stream_options: { include_usage: true, continuous_usage_stats: true } } as any);
    const content = chunks.filter((c) => c.choices[0]?.delta?.content);
    assert.ok(content.length > 0);
    const counts = content.map((c) => (c as any).usage?.completion_tokens as number);
    assert.ok(counts.every((n, i) => Number.isInteger(n) && (i === 0 || n > counts[i - 1])), `cumulative counts: ${counts.join(',')}`);
    const final = chunks[chunks.length - 1].usage!;
    assert.equal(counts[counts.length - 1] <= final.completion_tokens, true);
    assert.ok(content.every((c) => (c as any).usage.prompt_tokens === final.prompt_tokens));
  });

  test('a seed reproduces a sampled answer at temperature 0.8; Foundry\'s random_seed is the same seed', async () => {
    const body = { model: MODEL_ID, messages: ask('Tell me something'), max_tokens: 32, temperature: 0.8, top_p: 0.95 };
    const a = await client.chat.completions.create({ ...body, seed: 42 });
    const b = await client.chat.completions.create({ ...body, seed: 42 });
    const c = await client.chat.completions.create({ ...body, seed: 43 });
    const d = await client.chat.completions.create({ ...body, random_seed: 42 } as any);
    const greedy = await client.chat.completions.create({ ...body, temperature: 0 });
    assert.equal(a.choices[0].message.content, b.choices[0].message.content);
    assert.equal(d.choices[0].message.content, a.choices[0].message.content);
    assert.notEqual(c.choices[0].message.content, a.choices[0].message.content, 'another seed gave the same 32 tokens');
    assert.notEqual(a.choices[0].message.content, greedy.choices[0].message.content, 'temperature 0.8 decoded greedily');
    const streamed = await streamText(client, { ...body, seed: 42 });
    assert.equal(streamed.text, a.choices[0].message.content);
  });

  test('top_k 1 is greedy decoding whatever the temperature', async () => {
    const body = { model: MODEL_ID, messages: ask('top k'), max_tokens: 16 };
    const greedy = await client.chat.completions.create(body);
    const k1 = await client.chat.completions.create({ ...body, temperature: 1.5, seed: 9, top_k: 1 } as any);
    assert.equal(k1.choices[0].message.content, greedy.choices[0].message.content);
  });

  test('stop (a string or an array) ends the answer before the stop text, with finish_reason stop', async () => {
    const body = { model: MODEL_ID, messages: ask('Stop here'), max_tokens: 40 };
    const full = (await client.chat.completions.create(body)).choices[0].message.content!;
    // A stop string from the middle of the greedy answer, made of characters that decode cleanly.
    const chars = [...full];
    let at = -1;
    for (let i = 8; i < chars.length - 2; i++) if (!/[\uFFFD]/.test(chars[i] + chars[i + 1])) { at = i; break; }
    assert.ok(at > 0, `no clean pair in ${JSON.stringify(full)}`);
    const stop = chars[at] + chars[at + 1];
    const expected = full.slice(0, full.indexOf(stop));
    const one = await client.chat.completions.create({ ...body, stop });
    assert.equal(one.choices[0].message.content, expected);
    assert.equal(one.choices[0].finish_reason, 'stop');
    const many = await client.chat.completions.create({ ...body, stop: ['\u0000never\u0000', stop] });
    assert.equal(many.choices[0].message.content, expected);
    const streamed = await streamText(client, { ...body, stop: [stop] });
    assert.equal(streamed.text, expected);
    assert.equal(streamed.chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason, 'stop');
  });

  test('max_tokens and max_completion_tokens bound the answer', async () => {
    const a = await client.chat.completions.create({ model: MODEL_ID, messages: ask('Count'), max_tokens: 3 });
    const b = await client.chat.completions.create({ model: MODEL_ID, messages: ask('Count'), max_completion_tokens: 5 });
    assert.equal(a.usage!.completion_tokens, 3);
    assert.equal(b.usage!.completion_tokens, 5);
    assert.equal(a.choices[0].finish_reason, 'length');
  });

  test('content given as text parts and a developer message are accepted', async () => {
    const r = await client.chat.completions.create({
      model: MODEL_ID, max_tokens: 4,
      messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Hi ' }, { type: 'text', text: 'there' }] }],
    });
    assert.equal(r.usage!.completion_tokens, 4);
  });

  test('32 concurrent streaming clients all receive their complete answers', async () => {
    const prompts = ['alpha', 'bravo', 'charlie', 'delta'];
    const reference = await Promise.all(prompts.map(async (p) =>
      (await client.chat.completions.create({ model: MODEL_ID, messages: ask(p), max_tokens: 24 })).choices[0].message.content));
    const clients = Array.from({ length: 32 }, () => clientFor(svc));
    const results = await Promise.all(clients.map((c, i) =>
      streamText(c, { model: MODEL_ID, messages: ask(prompts[i % 4]), max_tokens: 24, stream_options: { include_usage: true } })));
    results.forEach((r, i) => {
      assert.equal(r.text, reference[i % 4], `client ${i} got a different answer`);
      assert.equal(r.chunks[r.chunks.length - 1].usage?.completion_tokens, 24, `client ${i}`);
    });
  });
});

describe('serving defaults', () => {
  test('the service loads models with last-position logits (same text as the model\'s own graph); --logits all and --prefill-chunk are carried', async () => {
    const own = await fx.start({ maxQueue: 64, lastPositionLogits: false });
    const prompts = ['one', 'a longer question for the model', 'zz', 'three words here'];
    const answer = (s: ServiceHandle) => Promise.all(prompts.map((p) => clientFor(s).chat.completions.create({ model: MODEL_ID, messages: ask(p), max_tokens: 10, temperature: 0 })));
    const [last, all] = [await answer(svc), await answer(own)];
    last.forEach((r, i) => assert.equal(r.choices[0].message.content, all[i].choices[0].message.content, `prompt ${i}`));
    const loaded = async (s: ServiceHandle) => ((await (await fetch(s.url + '/slmlab/loaded')).json()) as { id: string; logits: string; prefill: unknown }[]).find((m) => m.id === MODEL_ID)!;
    const [a, b] = [await loaded(svc), await loaded(own)];
    assert.equal(a.logits, 'last');
    assert.equal(b.logits, 'all');
    assert.deepEqual(a.prefill, { batched: true, chunk: 128, reason: null });
    await own.close();
    const o = parseServiceArgs(['--logits', 'all', '--prefill-chunk', '64'], {});
    assert.equal(o.lastPositionLogits, false);
    assert.equal(o.prefillChunk, 64);
    assert.equal(parseServiceArgs([], {}).lastPositionLogits, true);
    assert.throws(() => parseServiceArgs(['--logits', 'some'], {}), /'last'.*or 'all'/);
  });
});

describe('cancellation and crashes', () => {
  test('a streaming client that disconnects cancels its generation', async () => {
    const done = nextDone(svc);
    const ac = new AbortController();
    const stream = await client.chat.completions.create({ model: MODEL_ID, messages: ask('long'), max_tokens: 470, stream: true }, { signal: ac.signal });
    let seen = 0;
    // The openai client ends the iteration quietly when its own signal aborts it.
    for await (const ch of stream) if (ch.choices[0]?.delta?.content && ++seen === 2) ac.abort();
    assert.ok(seen >= 2); // chunks already received are still handed out
    const r = await done;
    assert.equal(r.finishReason, 'abort');
    assert.ok(r.completionTokens < 470, `generated all ${r.completionTokens} tokens after the client left`);
  });

  test('a client that disconnects from a whole-answer request cancels it, and the next request is served', async () => {
    const done = nextDone(svc);
    const ac = new AbortController();
    const pending = client.chat.completions.create({ model: MODEL_ID, messages: ask('long'), max_tokens: 470 }, { signal: ac.signal });
    pending.catch(() => undefined);
    await sleep(40);
    ac.abort();
    const r = await done;
    assert.equal(r.finishReason, 'abort');
    assert.ok(r.completionTokens < 470);
    const next = await client.chat.completions.create({ model: MODEL_ID, messages: ask('next'), max_tokens: 4 });
    assert.equal(next.usage!.completion_tokens, 4);
  });

  test('an engine process that dies mid-request (SIGBUS, as from a truncated mapped file) fails it with an OpenAI-shaped 500, and the model restarts for the next one', async () => {
    const before = await client.chat.completions.create({ model: MODEL_ID, messages: ask('crash'), max_tokens: 6 });
    const model = svc.manager.loadedModel(MODEL_ID, 'cpu')!;
    const dying = (model as any).child as ChildProcess;
    const restarts = model.restarts;
    let signalled = false;
    dying.on('message', (m: { type: string }) => {
      if (m.type === 'deltas' && !signalled) { signalled = true; process.kill(dying.pid!, 'SIGBUS'); }
    });
    await assert.rejects(client.chat.completions.create({ model: MODEL_ID, messages: ask('crash'), max_tokens: 470 }), (e: any) => {
      assert.ok(e instanceof OpenAI.APIError, String(e));
      assert.equal(e.status, 500);
      assert.equal(e.type, 'server_error');
      assert.equal(e.code, 'engine_crashed');
      assert.match(e.message, /died \(SIGBUS\)/);
      return true;
    });
    const after = await client.chat.completions.create({ model: MODEL_ID, messages: ask('crash'), max_tokens: 6 });
    assert.equal(after.choices[0].message.content, before.choices[0].message.content);
    assert.equal(model.restarts, restarts + 1);
    assert.equal(dying.signalCode, 'SIGBUS');
  });

  test('a crash mid-stream ends the stream with an error event the openai client throws', async () => {
    await client.chat.completions.create({ model: MODEL_ID, messages: ask('x'), max_tokens: 2 });
    const model = svc.manager.loadedModel(MODEL_ID, 'cpu')!;
    const dying = (model as any).child as ChildProcess;
    const stream = await client.chat.completions.create({ model: MODEL_ID, messages: ask('crash'), max_tokens: 470, stream: true });
    let got = 0;
    await assert.rejects((async () => {
      for await (const ch of stream) if (ch.choices[0]?.delta?.content && ++got === 3) process.kill(dying.pid!, 'SIGSEGV');
    })(), (e: any) => e instanceof OpenAI.APIError && /engine process of this model died \(SIGSEGV\)/.test(e.message));
    const ok = await streamText(client, { model: MODEL_ID, messages: ask('after'), max_tokens: 5 });
    assert.ok(ok.text.length > 0);
  });
});

describe('shutdown', () => {
  test('close() ends running and queued requests, disposes the models, and returns promptly', async () => {
    const s = await fx.start({ maxQueue: 4, maxBatch: 1 }); // one at a time: the second request really queues
    const c = clientFor(s);
    const running = await c.chat.completions.create({ model: MODEL_ID, messages: ask('long'), max_tokens: 470, stream: true });
    const queued = c.chat.completions.create({ model: MODEL_ID, messages: ask('queued'), max_tokens: 10 });
    queued.catch(() => undefined); // checked below; it settles while close() runs
    const it = running[Symbol.asyncIterator]();
    await it.next(); // the role chunk: generation is under way
    while (s.manager.loaded()[0]?.inFlight !== 2) await sleep(5); // and the second request waits behind it
    const model = s.manager.loadedModel(MODEL_ID, 'cpu')!;
    const t0 = performance.now();
    await s.close();
    const closeMs = performance.now() - t0;
    assert.ok(closeMs < 1500, `close took ${closeMs} ms`);
    await assert.rejects(queued, (e: any) => e instanceof OpenAI.APIError && e.status === 503 && e.code === 'shutting_down');
    // The stream ends (cut short), it does not hang.
    let rest = 0;
    await (async () => { for (;;) { const r = await it.next(); if (r.done) break; rest++; } })().catch(() => undefined);
    assert.ok(rest < 470);
    assert.deepEqual(s.manager.loaded(), []);
    assert.equal((model as any).child, null, 'the engine process was not stopped');
    await assert.rejects(fetch(s.url + '/v1/models'));
  });
});

describe('Foundry Local routes', () => {
  const get = async (path: string) => {
    const r = await fetch(svc.url + path);
    const text = await r.text();
    return { status: r.status, text, json: () => JSON.parse(text) };
  };

  test('GET /foundry/list describes every variant in Foundry\'s field names', async () => {
    const list = (await get('/foundry/list')).json();
    assert.deepEqual(list.map((m: any) => m.name).sort(), ['tiny-cpu-int4:1', 'tiny-later:1']);
    const tiny = list.find((m: any) => m.name === MODEL_ID);
    assert.equal(tiny.alias, MODEL_ALIAS);
    assert.equal(tiny.version, '1');
    assert.equal(tiny.task, 'chat-completion');
    assert.deepEqual(tiny.runtime, { deviceType: 'CPU', executionProvider: 'CPUExecutionProvider' });
    assert.equal(tiny.license, 'MIT');
    assert.equal(tiny.cached, true);
    assert.equal(tiny.synthetic, true);
    assert.equal(list.find((m: any) => m.name === 'tiny-later:1').cached, false);
  });

  test('GET /openai/models lists cached names; /openai/status gives the endpoint and model folder', async () => {
    assert.deepEqual((await get('/openai/models')).json(), [MODEL_ID]);
    const status = (await get('/openai/status')).json();
    assert.deepEqual(status.Endpoints, [svc.url]);
    assert.equal(status.ModelDirPath, fx.root);
    assert.equal(status.PipeName, 'inference_agent');
  });

  test('load, loadedmodels, unload and unloadall answer as Foundry does', async () => {
    let r = await get('/openai/unloadall');
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    assert.deepEqual((await get('/openai/loadedmodels')).json(), []);
    r = await get(`/openai/load/${encodeURIComponent(MODEL_ALIAS)}?ep=CPUExecutionProvider&ttl=300`);
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    assert.deepEqual((await get('/openai/loadedmodels')).json(), [MODEL_ID]);
    const detail = (await get('/slmlab/loaded')).json();
    assert.equal(detail[0].provider, 'cpu');
    assert.equal(detail[0].device, 'CPU');
    assert.equal(detail[0].ttlSeconds, 300);
    assert.equal(detail[0].state, 'ready');
    r = await get(`/openai/unload/${encodeURIComponent(MODEL_ID)}`);
    assert.equal(r.status, 200);
    assert.deepEqual((await get('/openai/loadedmodels')).json(), []);
    // Unloading what is not loaded is fine; the next chat request loads it again.
    assert.equal((await get('/openai/unload/tiny')).status, 200);
    const again = await client.chat.completions.create({ model: MODEL_ID, messages: ask('back'), max_tokens: 2 });
    assert.equal(again.usage!.completion_tokens, 2);
    assert.deepEqual((await get('/openai/loadedmodels')).json(), [MODEL_ID]);
  });

  test('a model unloads itself ttl seconds after its last request (load?ttl= and the chat ttl field)', async () => {
    assert.equal((await get(`/openai/load/${MODEL_ID}?ttl=1`)).status, 200);
    assert.deepEqual((await get('/openai/loadedmodels')).json(), [MODEL_ID]);
    await sleep(1400);
    assert.deepEqual((await get('/openai/loadedmodels')).json(), []);
    await client.chat.completions.create({ model: MODEL_ID, messages: ask('ttl'), max_tokens: 2, ttl: 1 } as any);
    assert.deepEqual((await get('/openai/loadedmodels')).json(), [MODEL_ID]);
    await sleep(1400);
    assert.deepEqual((await get('/openai/loadedmodels')).json(), []);
  });

  test('POST /openai/download streams progress lines, then {"Success":true}, and the model is then cached', async () => {
    const r = await fetch(svc.url + '/openai/download', { method: 'POST', body: JSON.stringify({ model: { Name: 'tiny-later:1', ProviderType: 'AzureFoundryLocal' } }) });
    assert.equal(r.status, 200);
    const lines = (await r.text()).trim().split('\n');
    assert.ok(lines.length >= 2, lines.join('\n'));
    for (const l of lines.slice(0, -1)) assert.match(l, /^Total \d{1,3}\.\d{2}% Downloading /);
    assert.match(lines[lines.length - 2], /^Total 100\.00% /);
    assert.deepEqual(JSON.parse(lines[lines.length - 1]), { Success: true, ErrorMessage: null });
    assert.ok((await get('/openai/models')).json().includes('tiny-later:1'));
    const answer = await client.chat.completions.create({ model: 'tiny-later', messages: ask('new'), max_tokens: 3 });
    assert.equal(answer.model, 'tiny-later:1');
    // {name} works too, and a cached model "downloads" at once.
    const again = await fetch(svc.url + '/openai/download', { method: 'POST', body: JSON.stringify({ name: 'tiny-later:1' }) });
    assert.match(await again.text(), /\{"Success":true,"ErrorMessage":null\}\n$/);
  });

  test('a download that cannot happen says why, in both Foundry\'s and OpenAI\'s shapes', async () => {
    const r = await fetch(svc.url + '/openai/download', { method: 'POST', body: JSON.stringify({ model: { Name: 'nope:1' } }) });
    assert.equal(r.status, 404);
    const body = await r.json() as any;
    assert.equal(body.Success, false);
    assert.match(body.ErrorMessage, /not known/);
    assert.equal(body.error.code, 'model_not_found');
  });
});

describe('model manager', () => {
  test('one model can be loaded on two providers at once, keyed by (id, provider)', async () => {
    // This machine may have no GPU provider, so the loader is told which provider was asked
    // for and loads cpu; what is tested is the keying, not the GPU.
    const asked: string[] = [];
    const models: LoadedModel[] = [];
    const manager = new ModelManager({
      registry: fx.registry, maxQueue: 4,
      load: async (dir, o) => { asked.push(o.provider); const m = await loadModel(dir, { provider: 'cpu', threads: 1 }); models.push(m); return m; },
    });
    try {
      const [a, b, c] = await Promise.all([manager.acquire(MODEL_ALIAS, { ep: 'cpu' }), manager.acquire(MODEL_ALIAS, { ep: 'cuda' }), manager.acquire(MODEL_ID, { ep: 'cpu' })]);
      assert.deepEqual(asked.sort(), ['cpu', 'cuda'], 'each provider loaded once, concurrent requests shared the load');
      assert.equal(a.model, c.model);
      assert.notEqual(a.model, b.model);
      assert.deepEqual(manager.loaded().map((r) => `${r.id}/${r.provider}/${r.device}/${r.inFlight}`).sort(),
        [`${MODEL_ID}/cpu/CPU/2`, `${MODEL_ID}/cuda/GPU/1`]);
      [a, b, c].forEach((l) => l.release());
      assert.deepEqual(await manager.unload(MODEL_ALIAS, { ep: 'cuda' }), [MODEL_ID]);
      assert.deepEqual(manager.loaded().map((r) => r.provider), ['cpu']);
    } finally {
      await manager.close();
    }
  });
});

describe('FolderRegistry', () => {
  test('lists named folders with their facts, and resolves ids and aliases case-insensitively', async () => {
    const list = await fx.registry.list();
    const tiny = list.find((e) => e.id === MODEL_ID)!;
    assert.deepEqual([tiny.alias, tiny.cached, tiny.synthetic, tiny.provider, tiny.device, tiny.contextLength], [MODEL_ALIAS, true, true, 'cpu', 'CPU', 512]);
    assert.ok(tiny.sizeBytes! > 1000);
    assert.equal((await fx.registry.resolve('TINY')).id, MODEL_ID);
    assert.equal((await fx.registry.resolve(MODEL_ID.toUpperCase(), 'cuda')).provider, 'cuda');
    assert.equal((await fx.registry.resolve(MODEL_ID)).dir, fx.dir);
  });

  test('unknown, missing and bring-your-own folders fail with a ModelNotFoundError naming the fix', async () => {
    const reg = new FolderRegistry({ mine: path.join(fx.root, 'nothing-here') });
    await assert.rejects(reg.resolve('other'), (e: unknown) => e instanceof ModelNotFoundError && /slmlab model download/.test(e.message));
    await assert.rejects(reg.resolve('mine'), (e: unknown) => e instanceof ModelNotFoundError && /nothing-here/.test(e.message));
    await assert.rejects(reg.download('mine', {}), /bring-your-own folder and cannot be downloaded/);
  });

  test('scan serves every model folder under a directory, named after the folder', async () => {
    const scanRoot = path.join(fx.root, 'scan');
    fs.mkdirSync(path.join(scanRoot, 'not-a-model'), { recursive: true });
    fs.cpSync(fx.dir, path.join(scanRoot, 'copied'), { recursive: true });
    const reg = new FolderRegistry({}, { scan: [scanRoot, path.join(fx.root, 'absent')] });
    assert.deepEqual((await reg.list()).map((e) => e.id), ['copied']);
    assert.equal(reg.modelDirPath, scanRoot);
    assert.equal((await reg.resolve('copied')).dir, path.join(scanRoot, 'copied'));
  });
});

describe('security', () => {
  test('with an API key, requests need `Authorization: Bearer <key>` (401 in OpenAI\'s shape otherwise)', async () => {
    const locked = await fx.start({ apiKey: 'sekret' });
    await assert.rejects(clientFor(locked, { apiKey: 'wrong' }).models.list(), (e: any) => {
      assert.equal(e.status, 401);
      assert.equal(e.type, 'authentication_error');
      assert.equal(e.code, 'invalid_api_key');
      return true;
    });
    const bare = await fetch(locked.url + '/openai/status');
    assert.equal(bare.status, 401);
    assert.equal(((await bare.json()) as any).error.code, 'invalid_api_key');
    const ok = await clientFor(locked, { apiKey: 'sekret' }).chat.completions.create({ model: MODEL_ID, messages: ask('hi'), max_tokens: 2 });
    assert.equal(ok.usage!.completion_tokens, 2);
    await locked.close();
  });

  test('a non-loopback bind refuses to start without an API key', async () => {
    await assert.rejects(fx.start({ host: '0.0.0.0' }), /reachable from other machines.*SLMLAB_API_KEY/s);
    const open = await fx.start({ host: '0.0.0.0', apiKey: 'k' });
    assert.match(open.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(open.url + '/v1/models')).status, 401);
    assert.equal((await fetch(open.url + '/v1/models', { headers: { Authorization: 'Bearer k' } })).status, 200);
    await open.close();
  });

  test('CORS: localhost origins are allowed (preflight included), other origins get 403', async () => {
    const pre = await fetch(svc.url + '/v1/chat/completions', {
      method: 'OPTIONS', headers: { Origin: 'http://localhost:8888', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'http://localhost:8888');
    assert.match(pre.headers.get('access-control-allow-methods')!, /POST/);
    assert.match(pre.headers.get('access-control-allow-headers')!, /authorization/);
    for (const origin of ['http://127.0.0.1:3000', 'http://[::1]:5173']) {
      const r = await fetch(svc.url + '/v1/models', { headers: { Origin: origin } });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('access-control-allow-origin'), origin);
    }
    const evilPre = await fetch(svc.url + '/v1/chat/completions', { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    assert.equal(evilPre.status, 403);
    assert.equal(evilPre.headers.get('access-control-allow-origin'), null);
    const evil = await fetch(svc.url + '/v1/chat/completions', {
      method: 'POST', headers: { Origin: 'https://evil.example', 'Content-Type': 'text/plain' },
      body: JSON.stringify({ model: MODEL_ID, messages: ask('steal'), max_tokens: 2 }),
    });
    assert.equal(evil.status, 403);
    assert.equal(((await evil.json()) as any).error.code, 'origin_not_allowed');
  });

  test('on a loopback bind, a foreign Host header (DNS rebinding) gets 403', async () => {
    const u = new URL(svc.url);
    const get = (host: string) => new Promise<{ status: number; body: any }>((resolve, reject) => {
      http.get({ host: u.hostname, port: u.port, path: '/v1/models', headers: { Host: host } }, (res) => {
        let data = '';
        res.on('data', (d) => { data += d; });
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) }));
      }).on('error', reject);
    });
    const evil = await get(`rebind.evil.example:${u.port}`);
    assert.equal(evil.status, 403);
    assert.equal(evil.body.error.code, 'host_not_allowed');
    assert.equal((await get(`localhost:${u.port}`)).status, 200);
    assert.equal((await get(`127.0.0.1:${u.port}`)).status, 200);
  });
});
