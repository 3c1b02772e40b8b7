/**
 * Foundry Local's routes as its Core serves them today, and the Responses API, on loopback
 * with the real tiny model: the JS SDK 1.x's external-service requests (their exact paths,
 * method and User-Agent, as sdk_v2/js/src/detail/modelLoadManager.ts builds them: the SDK
 * itself needs Foundry's native core library, which cannot exist here), and the real
 * `openai` client's responses.create, streamed and not.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type OpenAI from 'openai';
import { toFile } from 'openai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ServiceHandle } from '../lib/service/server';
import { buildEncoderModel } from '../lib/synth/encoder';
import { parseServiceArgs } from '../lib/app/main';
import { clientFor, MODEL_ALIAS, MODEL_ID, postRaw, tinyFixture, type TinyFixture } from './helpers/service';

let fx: TinyFixture;
let svc: ServiceHandle;
let client: OpenAI;
let embedRoot = '';

before(async () => {
  embedRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-embed-'));
  const embedDir = path.join(embedRoot, 'tiny-embed');
  await buildEncoderModel({ shape: 'tiny-embed', out: embedDir });
  fx = await tinyFixture({ 'tiny-embed:1': { dir: embedDir, alias: 'tiny-embed', task: 'embeddings' } });
  svc = await fx.start({ storedResponses: 3 });
  client = clientFor(svc);
});
after(async () => {
  await fx.cleanup();
  fs.rmSync(embedRoot, { recursive: true, force: true });
});

/** What ModelLoadManager sends with serviceEndpoint set: GET, a relative URL on the endpoint, its User-Agent. */
async function sdkGet(relative: string): Promise<Response> {
  return fetch(new URL(relative, svc.url).toString(), { headers: { 'User-Agent': 'foundry-local-js-sdk/1.2.3' } });
}

describe('Foundry Local Core routes (JS SDK 1.x with serviceEndpoint)', () => {
  test('load, listLoaded and unload as the SDK calls them, with Foundry\'s answers', async () => {
    const load = await sdkGet(`models/load/${encodeURIComponent(MODEL_ID)}`);
    assert.equal(load.status, 200);
    assert.deepEqual(await load.json(), { status: 'loaded' });
    assert.deepEqual(await (await sdkGet(`models/load/${encodeURIComponent(MODEL_ALIAS)}`)).json(), { status: 'already_loaded' });
    const listed = await sdkGet('models/loaded');
    assert.equal(listed.status, 200);
    assert.deepEqual(await listed.json(), [MODEL_ID]);
    assert.deepEqual(await (await sdkGet(`models/unload/${encodeURIComponent(MODEL_ID)}`)).json(), { status: 'unloaded' });
    assert.deepEqual(await (await sdkGet(`models/unload/${encodeURIComponent(MODEL_ID)}`)).json(), { status: 'not_loaded' });
    assert.deepEqual(await (await sdkGet('models/loaded')).json(), []);
    const unknown = await sdkGet('models/unload/no-such-model');
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as any).error.code, 'model_not_found');
    assert.equal((await sdkGet('models/load/no-such-model')).status, 404);
  });

  test('GET /status and GET /v1/models/{name} in Foundry\'s shapes', async () => {
    const s = (await (await sdkGet('status')).json()) as any;
    assert.deepEqual(s, { modelCachePath: fx.root, endpoints: [svc.url], pid: process.pid });
    const m = (await (await sdkGet(`v1/models/${encodeURIComponent(MODEL_ID)}`)).json()) as any;
    assert.equal(m.id, MODEL_ID);
    assert.equal(m.object, 'model');
  });
});

describe('Responses API through the openai client', () => {
  test('responses.create answers a response object; retrieve, input_items and delete find it', async () => {
    const r = await client.responses.create({ model: MODEL_ID, input: 'Say hello.', instructions: 'Be brief.', max_output_tokens: 4, temperature: 0 });
    assert.match(r.id, /^resp_/);
    assert.equal(r.object, 'response');
    assert.equal(r.model, MODEL_ID);
    assert.equal(r.output.length, 1);
    const item = r.output[0] as OpenAI.Responses.ResponseOutputMessage;
    assert.equal(item.type, 'message');
    assert.equal(item.role, 'assistant');
    assert.equal(item.content[0].type, 'output_text');
    assert.equal(r.output_text, (item.content[0] as OpenAI.Responses.ResponseOutputText).text);
    assert.equal(r.usage!.output_tokens, 4);
    assert.equal(r.usage!.total_tokens, r.usage!.input_tokens + 4);
    // The tiny twin never stops on its own within 4 tokens: cut by max_output_tokens, as OpenAI reports it.
    assert.equal(r.status, 'incomplete');
    assert.deepEqual(r.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(r.instructions, 'Be brief.');

    const got = await client.responses.retrieve(r.id);
    assert.equal(got.id, r.id);
    assert.equal(got.output_text, r.output_text);
    const items = await client.responses.inputItems.list(r.id);
    assert.equal(items.data.length, 1, 'instructions are not an input item');
    const first = items.data[0] as any;
    assert.equal(first.role, 'user');
    assert.deepEqual(first.content, [{ type: 'input_text', text: 'Say hello.' }]);

    const greedy = await client.responses.create({ model: MODEL_ID, input: 'Say hello.', instructions: 'Be brief.', max_output_tokens: 4, store: false });
    assert.equal(greedy.output_text, r.output_text, 'greedy decoding gives the same text');
    await assert.rejects(client.responses.retrieve(greedy.id), (e: any) => e.status === 404, 'store: false is not stored');

    assert.deepEqual(await client.responses.delete(r.id), { id: r.id, object: 'response.deleted', deleted: true });
    await assert.rejects(client.responses.retrieve(r.id), (e: any) => e.status === 404 && e.code === 'response_not_found');
  });

  test('previous_response_id continues the stored conversation', async () => {
    const one = await client.responses.create({ model: MODEL_ID, input: 'One.', max_output_tokens: 3 });
    const two = await client.responses.create({ model: MODEL_ID, input: 'Two.', max_output_tokens: 3, previous_response_id: one.id });
    assert.equal(two.previous_response_id, one.id);
    // The second prompt holds the first turn, its answer and the new turn.
    assert.ok(two.usage!.input_tokens > one.usage!.input_tokens + 3, `${two.usage!.input_tokens} vs ${one.usage!.input_tokens}`);
    const same = await client.responses.create({
      model: MODEL_ID, max_output_tokens: 3,
      input: [{ role: 'user', content: 'One.' }, { role: 'assistant', content: one.output_text }, { role: 'user', content: 'Two.' }],
    });
    assert.equal(same.usage!.input_tokens, two.usage!.input_tokens, 'the same conversation sent whole');
    assert.equal(same.output_text, two.output_text);
    await assert.rejects(client.responses.create({ model: MODEL_ID, input: 'x', previous_response_id: 'resp_gone' }),
      (e: any) => e.status === 404 && e.param === 'previous_response_id');
  });

  test('streamed: the documented events in order, deltas adding up to the completed text', async () => {
    const stream = await client.responses.create({ model: MODEL_ID, input: 'Count.', max_output_tokens: 5, stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const e of stream) events.push(e);
    const types = events.map((e) => e.type);
    assert.deepEqual(types.slice(0, 4), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    assert.deepEqual(types.slice(-4), ['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.incomplete']);
    const deltas = events.filter((e): e is OpenAI.Responses.ResponseTextDeltaEvent => e.type === 'response.output_text.delta');
    assert.ok(deltas.length >= 1);
    assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
    const last = events[events.length - 1] as OpenAI.Responses.ResponseIncompleteEvent;
    assert.equal(deltas.map((d) => d.delta).join(''), last.response.output_text);
    assert.equal(last.response.usage!.output_tokens, 5);
    assert.equal((await client.responses.retrieve(last.response.id)).output_text, last.response.output_text);

    // The client's own accumulator (responses.stream) rebuilds the same response from the events.
    const final = await client.responses.stream({ model: MODEL_ID, input: 'Count.', max_output_tokens: 5 }).finalResponse();
    assert.equal(final.output_text, last.response.output_text);
  });

  test('stored responses are bounded: the oldest is dropped', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await client.responses.create({ model: MODEL_ID, input: `n${i}`, max_output_tokens: 1 })).id);
    await assert.rejects(client.responses.retrieve(ids[0]), (e: any) => e.status === 404);
    for (const id of ids.slice(1)) assert.equal((await client.responses.retrieve(id)).id, id);
    const list = (await (await fetch(`${svc.url}/v1/responses?limit=2`)).json()) as any;
    assert.deepEqual(list.data.map((r: any) => r.id), [ids[3], ids[2]]);
    assert.equal(list.has_more, true);
    const del = await fetch(`${svc.url}/v1/responses/${ids[3]}`, { method: 'DELETE' });
    assert.deepEqual(await del.json(), { id: ids[3], object: 'response.deleted', deleted: true });
  });

  test('bad requests get a 400 naming the field', async () => {
    await assert.rejects(client.responses.create({ model: MODEL_ID, input: 'x', tools: [{ type: 'function', name: 'f', parameters: {}, strict: false }] }), (e: any) => e.status === 400 && e.param === 'tools');
    await assert.rejects(client.responses.create({ model: MODEL_ID, input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'data:,', detail: 'auto' }] }] }), (e: any) => e.status === 400);
    const r = await postRaw(`${svc.url}/v1/responses`, JSON.stringify({ model: MODEL_ID }));
    assert.equal(r.status, 400);
    assert.equal(r.json.error.param, 'input');
  });
});

describe('embeddings and audio', () => {
  test('/v1/embeddings with an embedding twin: unit vectors, equal texts equal, base64 and float alike', async () => {
    const texts = ['hello world', 'hello world', 'something else entirely'];
    const r = await client.embeddings.create({ model: 'tiny-embed', input: texts }); // the client asks for base64 and decodes it
    assert.equal(r.object, 'list');
    assert.equal(r.model, 'tiny-embed');
    assert.deepEqual(r.data.map((d) => d.index), [0, 1, 2]);
    const [a, b, c] = r.data.map((d) => d.embedding);
    assert.equal(a.length, 32);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);
    assert.ok(Math.abs(dot(a, a) - 1) < 1e-5, 'L2-normalised');
    assert.deepEqual(a, b);
    assert.ok(dot(a, c) < 0.999, 'another text, another vector');
    assert.equal(r.usage.prompt_tokens, 'hello world'.length * 2 + 'something else entirely'.length); // byte tokenizer: one token per byte
    const f = await client.embeddings.create({ model: 'tiny-embed', input: 'hello world', encoding_format: 'float' });
    f.data[0].embedding.forEach((v, i) => assert.ok(Math.abs(v - a[i]) < 1e-6));
  });

  test('/v1/embeddings with a chat model: a clear 400; an unknown model: 404', async () => {
    await assert.rejects(client.embeddings.create({ model: MODEL_ID, input: 'hello' }), (e: any) => e.status === 400 && e.code === 'model_not_embedding' && /not an embedding model/.test(e.message));
    await assert.rejects(client.embeddings.create({ model: 'nope', input: 'hello' }), (e: any) => e.status === 404);
  });

  test('/v1/audio/transcriptions: a clear "not supported" 400', async () => {
    const file = await toFile(Buffer.alloc(2048), 'a.wav');
    await assert.rejects(client.audio.transcriptions.create({ model: MODEL_ID, file }), (e: any) => e.status === 400 && e.code === 'unsupported_endpoint' && /not supported/.test(e.message));
  });
});

describe('state-changing routes refuse cross-site requests', () => {
  before(async () => { await sdkGet(`models/unload/${encodeURIComponent(MODEL_ID)}`); });
  const cross = { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors' };
  const cases: [string, string, string?][] = [
    ['GET', `/models/load/${encodeURIComponent(MODEL_ID)}`],
    ['GET', `/models/unload/${encodeURIComponent(MODEL_ID)}`],
    ['POST', '/shutdown'],
    ['POST', '/v1/responses', JSON.stringify({ model: MODEL_ID, input: 'x' })],
    ['DELETE', '/v1/responses/resp_x'],
    ['POST', '/v1/embeddings', JSON.stringify({ model: MODEL_ID, input: 'x' })],
    ['POST', '/v1/audio/transcriptions', 'x'],
  ];
  for (const [method, path, body] of cases) {
    test(`${method} ${path.replace(/\/[^/]*%3A1$/, '/<id>')} → 403`, async () => {
      const r = await fetch(svc.url + path, { method, headers: { ...cross, 'Content-Type': 'text/plain' }, body });
      assert.equal(r.status, 403);
      assert.equal(((await r.json()) as any).error.code, 'cross_site_refused');
    });
  }
  test('nothing was loaded, and the service still runs', async () => {
    assert.deepEqual(await (await sdkGet('models/loaded')).json(), []);
  });
});

test('POST /shutdown answers, then the service stops', async () => {
  const other = await fx.start();
  const r = await fetch(`${other.url}/shutdown`, { method: 'POST' });
  assert.deepEqual(await r.json(), { status: 'shutting_down' });
  for (let i = 0; i < 100; i++) {
    try { await fetch(`${other.url}/status`); } catch { return; }
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.fail('the service still answers 5 s after POST /shutdown');
});

test('the service process takes the stored-responses bound from --stored-responses or SLMLAB_STORED_RESPONSES', () => {
  assert.equal(parseServiceArgs([], {}).storedResponses, 20);
  assert.equal(parseServiceArgs([], { SLMLAB_STORED_RESPONSES: '0' }).storedResponses, 0);
  assert.equal(parseServiceArgs(['--stored-responses', '5'], { SLMLAB_STORED_RESPONSES: '0' }).storedResponses, 5);
  assert.throws(() => parseServiceArgs(['--stored-responses', '-1'], {}), /--stored-responses needs a whole number >= 0/);
});
