/**
 * The same model through both engines in the real service, with the real openai client: the
 * model id suffix `@llama.cpp` and the `engine` field reach llama.cpp; greedy text, usage,
 * finish reasons and stop strings match ONNX Runtime's on the tiny twin with fp16 scales
 * (same weights); concurrent streams are batched, a request arriving while others decode starts
 * before they end, and a cancelled request's sequence is cleared for the next. Skipped, with the fix, when the llama.cpp
 * engine is not installed; without it a request fails with 503 and the fix.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import OpenAI from 'openai';
import { buildModel } from '../lib/cache/build-model';
import { FolderRegistry } from '../lib/service/folder-registry';
import { startService, type ServiceHandle } from '../lib/service/server';
import { exportGguf } from '../lib/gguf';
import { makeTempDir, removeTempDir } from './helpers/models';
import { clientFor } from './helpers/service';
import { llamaCppForTests } from './helpers/llama-cpp';
import { LlamaCppModel } from '../lib/engines/llama-cpp/llama-model';

const engine = llamaCppForTests();
let root: string;
let svc: ServiceHandle;
let client: OpenAI;

before(async () => {
  root = makeTempDir();
  const dir = path.join(root, 'tiny-s16');
  await buildModel({ shape: 'tiny', precision: 'int4', scales: 'fp16', out: dir });
  exportGguf(dir, { out: path.join(dir, 'model.gguf'), exact: true }); // the engine finds it beside the model: nothing goes to the cache
  const registry = new FolderRegistry({ 'tiny-s16:1': { dir, alias: 'tiny16', license: 'MIT' } }, { modelDirPath: root });
  svc = await startService({ registry, threads: 1, apiKey: '' });
  client = clientFor(svc);
});
after(async () => { await svc?.close(); removeTempDir(root); });

const ask = (model: string, extra: Record<string, unknown> = {}) => client.chat.completions.create({
  model, messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 12, temperature: 0, ...extra,
} as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);

test('without the llama.cpp engine a request fails with 503 and the fix', async () => {
  const saved = process.env.SLMLAB_ENGINES_DIR;
  process.env.SLMLAB_ENGINES_DIR = path.join(root, 'no-engines');
  try {
    await assert.rejects(ask('tiny16@llama.cpp', { max_tokens: 2 }), (e: any) => e.status === 503 && /slmlab engines add llama\.cpp/.test(e.message));
  } finally {
    if (saved === undefined) delete process.env.SLMLAB_ENGINES_DIR; else process.env.SLMLAB_ENGINES_DIR = saved;
  }
});

test('the same weights answer the same through ONNX Runtime and llama.cpp', { skip: engine.skip }, async () => {
  const ort = await ask('tiny16');
  const viaSuffix = await ask('tiny16@llama.cpp');
  const viaField = await ask('tiny16', { engine: 'llama.cpp' });
  assert.equal(viaSuffix.model, 'tiny-s16:1@llama.cpp');
  for (const r of [viaSuffix, viaField]) {
    assert.equal(r.choices[0].message.content, ort.choices[0].message.content, 'greedy text is the same on both engines');
    assert.equal(r.choices[0].finish_reason, 'length');
    assert.deepEqual(r.usage, ort.usage);
  }
  // a stop string taken from the text itself ends both at the same place
  const text = ort.choices[0].message.content ?? '';
  const stop = [...text].slice(3, 5).join('');
  if (stop.length > 0) {
    const a = await ask('tiny16', { stop: [stop] });
    const b = await ask('tiny16@llama.cpp', { stop: [stop] });
    assert.equal(b.choices[0].message.content, a.choices[0].message.content);
    assert.equal(b.choices[0].finish_reason, 'stop');
  }
});

test('concurrent streams on llama.cpp all finish with their usage', { skip: engine.skip }, async () => {
  const one = async () => {
    const s = await client.chat.completions.create({ model: 'tiny16@llama.cpp', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 10, temperature: 0, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of s) { text += c.choices[0]?.delta?.content ?? ''; if (c.usage) usage = c.usage; }
    return { text, usage };
  };
  const rs = await Promise.all([one(), one(), one(), one()]);
  for (const r of rs) {
    assert.equal(r.usage?.completion_tokens, 10);
    assert.equal(r.text, rs[0].text, 'greedy streams agree with each other');
  }
});

test('a request arriving while others decode on llama.cpp starts before they end (issue 23)', { skip: engine.skip }, async () => {
  // Ordering, not timing: the late stream's first token must come while both early streams still
  // have most of their tokens to go. Before the fix it waited for them to end (sequence-pool.ts).
  const events: string[] = [];
  const stream = async (name: string, maxTokens: number, started?: () => void) => {
    const s = await client.chat.completions.create({ model: 'tiny16@llama.cpp', messages: [{ role: 'user', content: `Story ${name}` }], max_tokens: maxTokens, temperature: 0, stream: true, stream_options: { include_usage: true } });
    let first = true;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of s) {
      if (first && c.choices[0]?.delta?.content) { first = false; events.push(`${name}:first`); started?.(); }
      if (c.usage) usage = c.usage;
    }
    events.push(`${name}:end`);
    return usage;
  };
  let running = 0;
  let bothStarted!: () => void;
  const started = new Promise<void>((resolve) => { bothStarted = resolve; });
  const onFirst = () => { if (++running === 2) bothStarted(); };
  const a = stream('a', 400, onFirst);
  const b = stream('b', 400, onFirst);
  await started;
  const late = stream('late', 4);
  const usages = await Promise.all([a, b, late]);
  assert.equal(usages[2]?.completion_tokens, 4);
  const lateFirst = events.indexOf('late:first');
  assert.ok(lateFirst >= 0, `the late stream produced text: ${events.join(' ')}`);
  for (const n of ['a', 'b']) {
    if (usages[n === 'a' ? 0 : 1]?.completion_tokens !== 400) continue; // ended early on end-of-sequence: no ordering to check
    assert.ok(lateFirst < events.indexOf(`${n}:end`), `the late request's first token came before ${n} ended: ${events.join(' ')}`);
  }
});

test('a cancelled llama.cpp request leaves its sequence clean for the next one (one sequence, reused)', { skip: engine.skip }, async () => {
  // maxBatch 1: the next request must run on the very sequence the cancelled one used.
  const dir = path.join(root, 'tiny-s16');
  const m = await LlamaCppModel.load(dir, { gguf: path.join(dir, 'model.gguf'), engineDir: engine.dir, threads: 1, maxBatch: 1 });
  try {
    const req = { messages: [{ role: 'user' as const, content: 'Hello there' }], maxTokens: 12, temperature: 0 };
    const fresh = await m.complete(req);
    const ac = new AbortController();
    const long = m.generate({ messages: [{ role: 'user', content: 'A much longer question that fills the cache first' }], maxTokens: 200, temperature: 0 }, { signal: ac.signal });
    let deltas = 0;
    for await (const _ of long) { if (++deltas === 3) ac.abort(); }
    const cancelled = await long.result.catch((e: Error) => e);
    assert.ok(cancelled instanceof Error || cancelled.finishReason === 'abort', 'the long request was cancelled');
    const again = await m.complete(req);
    assert.equal(again.text, fresh.text, 'same greedy text after the cancelled request: its tokens were cleared');
    assert.deepEqual(again.tokenIds, fresh.tokenIds);
    assert.equal(again.promptTokens, fresh.promptTokens);
  } finally {
    await m.dispose();
  }
});
