/**
 * Every bad request gets an OpenAI-shaped error `{error: {message, type, param, code}}` with the
 * right HTTP status, and the service answers the next good request as if nothing happened.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { Readable } from 'node:stream';
import OpenAI from 'openai';
import { probeProviders } from '../lib/engine/providers';
import type { ServiceHandle } from '../lib/service/server';
import { clientFor, MODEL_ID, postRaw, tinyFixture, type TinyFixture } from './helpers/service';

let fx: TinyFixture;
let svc: ServiceHandle;
let client: OpenAI;
const ask = (content: string) => [{ role: 'user' as const, content }];
const CHAT = () => svc.url + '/v1/chat/completions';

before(async () => {
  fx = await tinyFixture();
  svc = await fx.start({ maxBodyBytes: 64 * 1024 });
  client = clientFor(svc);
});
after(async () => { await fx.cleanup(); });

/** The body is OpenAI's error shape with these fields. */
function assertError(json: any, status: number, got: number, code: string, param: string | null): void {
  assert.equal(got, status, JSON.stringify(json));
  assert.ok(json && typeof json.error === 'object', `not an OpenAI error: ${JSON.stringify(json)}`);
  assert.deepEqual(Object.keys(json.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(json.error.code, code);
  assert.equal(json.error.param, param);
  assert.equal(typeof json.error.message, 'string');
  assert.ok(json.error.message.length > 10);
  assert.equal(json.error.type, status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error');
}

/** A good request still works. */
async function stillServes(): Promise<void> {
  const r = await client.chat.completions.create({ model: MODEL_ID, messages: ask('still there?'), max_tokens: 3 });
  assert.equal(r.usage!.completion_tokens, 3);
}

describe('malformed chat requests', () => {
  const good = { model: MODEL_ID, messages: ask('hi'), max_tokens: 4 };
  const cases: [string, string, number, string, string | null][] = [
    ['malformed JSON', '{"model": "tiny", "messages": [', 400, 'invalid_json', null],
    ['an empty body', '', 400, 'invalid_request', null],
    ['a JSON array', '[1, 2]', 400, 'invalid_request', null],
    ['no model', JSON.stringify({ messages: ask('hi') }), 400, 'invalid_request', 'model'],
    ['a numeric model', JSON.stringify({ ...good, model: 7 }), 400, 'invalid_request', 'model'],
    ['no messages', JSON.stringify({ model: MODEL_ID }), 400, 'invalid_request', 'messages'],
    ['empty messages', JSON.stringify({ ...good, messages: [] }), 400, 'invalid_request', 'messages'],
    ['messages as a string', JSON.stringify({ ...good, messages: 'hi' }), 400, 'invalid_request', 'messages'],
    ['a bad role', JSON.stringify({ ...good, messages: [{ role: 'wizard', content: 'hi' }] }), 400, 'invalid_request', 'messages[0].role'],
    ['numeric content', JSON.stringify({ ...good, messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 5 }] }), 400, 'invalid_request', 'messages[1].content'],
    ['an image part', JSON.stringify({ ...good, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }), 400, 'invalid_request', 'messages[0].content'],
    ['temperature as text', JSON.stringify({ ...good, temperature: 'hot' }), 400, 'invalid_request', 'temperature'],
    ['temperature 3', JSON.stringify({ ...good, temperature: 3 }), 400, 'invalid_request', 'temperature'],
    ['top_p 0', JSON.stringify({ ...good, top_p: 0 }), 400, 'invalid_request', 'top_p'],
    ['top_k -1', JSON.stringify({ ...good, top_k: -1 }), 400, 'invalid_request', 'top_k'],
    ['max_tokens 0', JSON.stringify({ ...good, max_tokens: 0 }), 400, 'invalid_request', 'max_tokens'],
    ['max_tokens 1.5', JSON.stringify({ ...good, max_tokens: 1.5 }), 400, 'invalid_request', 'max_tokens'],
    ['max_completion_tokens as text', JSON.stringify({ ...good, max_completion_tokens: '9' }), 400, 'invalid_request', 'max_completion_tokens'],
    ['seed 1.5', JSON.stringify({ ...good, seed: 1.5 }), 400, 'invalid_request', 'seed'],
    ['random_seed as text', JSON.stringify({ ...good, random_seed: 'x' }), 400, 'invalid_request', 'random_seed'],
    ['stop as a number', JSON.stringify({ ...good, stop: 5 }), 400, 'invalid_request', 'stop'],
    ['an empty stop string', JSON.stringify({ ...good, stop: [''] }), 400, 'invalid_request', 'stop'],
    ['stream as text', JSON.stringify({ ...good, stream: 'yes' }), 400, 'invalid_request', 'stream'],
    ['stream_options as a list', JSON.stringify({ ...good, stream: true, stream_options: [] }), 400, 'invalid_request', 'stream_options'],
    ['n 2', JSON.stringify({ ...good, n: 2 }), 400, 'invalid_request', 'n'],
    ['tools', JSON.stringify({ ...good, tools: [{ type: 'function', function: { name: 'f' } }] }), 400, 'invalid_request', 'tools'],
    ['json_object output', JSON.stringify({ ...good, response_format: { type: 'json_object' } }), 400, 'invalid_request', 'response_format'],
    ['an unknown ep', JSON.stringify({ ...good, ep: 'dml' }), 400, 'unknown_provider', 'ep'],
    ['a negative ttl', JSON.stringify({ ...good, ttl: -5 }), 400, 'invalid_request', 'ttl'],
    ['an unknown model', JSON.stringify({ ...good, model: 'no-such-model' }), 404, 'model_not_found', 'model'],
    ['a model that is not downloaded', JSON.stringify({ ...good, model: 'tiny-later' }), 404, 'model_not_found', 'model'],
    ['a prompt longer than the context', JSON.stringify({ ...good, messages: ask('x'.repeat(600)) }), 400, 'context_length_exceeded', 'messages'],
    ['max_tokens beyond the context', JSON.stringify({ ...good, max_tokens: 600 }), 400, 'context_length_exceeded', 'messages'],
    ['a stream whose prompt is too long', JSON.stringify({ ...good, stream: true, messages: ask('x'.repeat(600)) }), 400, 'context_length_exceeded', 'messages'],
  ];
  for (const [label, body, status, code, param] of cases) {
    test(`${label}: ${status} ${code}${param ? ` (param ${param})` : ''}, then the next request works`, async () => {
      const r = await postRaw(CHAT(), body);
      assertError(r.json, status, r.status, code, param);
      await stillServes();
    });
  }

  test('error messages name the fix', async () => {
    const unknown = await postRaw(CHAT(), JSON.stringify({ model: 'no-such-model', messages: ask('hi') }));
    assert.match(unknown.json.error.message, /slmlab model download/);
    const later = await postRaw(CHAT(), JSON.stringify({ model: 'tiny-later', messages: ask('hi') }));
    assert.match(later.json.error.message, /not downloaded: run `slmlab model download tiny-later`/);
    const ctx = await postRaw(CHAT(), JSON.stringify({ model: MODEL_ID, messages: ask('hi'), max_tokens: 600 }));
    assert.match(ctx.json.error.message, /set max_tokens to \d+ or less/);
  });

  test('the openai client sees these as typed API errors, streaming or not', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: ask('hi') }),
      (e: any) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found' && e.param === 'model');
    await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: ask('hi'), stream: true }),
      (e: any) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(client.chat.completions.create({ model: MODEL_ID, messages: ask('hi'), temperature: 9 }),
      (e: any) => e instanceof OpenAI.BadRequestError && e.param === 'temperature');
    await stillServes();
  });
});

describe('HTTP-level errors', () => {
  test('an unknown route is a 404 and a wrong method a 405 naming the allowed one', async () => {
    const r = await fetch(svc.url + '/v1/nothing-here');
    assertError(await r.json(), 404, r.status, 'not_found', null);
    const m = await fetch(CHAT());
    assertError(await m.json(), 405, m.status, 'method_not_allowed', null);
    assert.equal(m.headers.get('allow'), 'POST');
    const d = await fetch(svc.url + '/v1/models', { method: 'DELETE' });
    assert.equal(d.status, 405);
    assert.equal(d.headers.get('allow'), 'GET');
    await stillServes();
  });

  test('a body over maxBodyBytes is a 413 (declared length or streamed), and the service goes on', async () => {
    const big = JSON.stringify({ model: MODEL_ID, messages: ask('x'.repeat(100 * 1024)) });
    const r = await postRaw(CHAT(), big);
    assertError(r.json, 413, r.status, 'payload_too_large', null);
    // Without a Content-Length (chunked), the limit is enforced while reading.
    const chunks = Array.from({ length: 40 }, () => Buffer.alloc(4096, 0x20));
    const s = await fetch(CHAT(), { method: 'POST', body: Readable.toWeb(Readable.from(chunks)) as any, duplex: 'half', headers: { 'Content-Type': 'application/json' } } as any);
    assertError(await s.json(), 413, s.status, 'payload_too_large', null);
    await stillServes();
  });

  test('a full queue answers 429 with Retry-After, the admitted requests complete, and the next one works', async () => {
    const small = await fx.start({ maxQueue: 1, maxBatch: 2 });
    const c = clientFor(small);
    const body = { model: MODEL_ID, messages: ask('queue'), max_tokens: 200 };
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => c.chat.completions.create(body).withResponse()));
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    assert.equal(ok.length, 3, 'maxBatch running together + maxQueue waiting');
    assert.equal(refused.length, 2);
    for (const o of refused) {
      const e = o.reason;
      assert.ok(e instanceof OpenAI.RateLimitError, String(e));
      assert.equal(e.code, 'queue_full');
      assert.equal(e.type, 'rate_limit_error');
      assert.equal(e.headers.get('retry-after'), '1');
    }
    const next = await c.chat.completions.create({ ...body, max_tokens: 3 });
    assert.equal(next.usage!.completion_tokens, 3);
    await small.close();
  });

  test('Foundry routes validate too: unknown model 404, bad ttl or ep 400', async () => {
    const nope = await fetch(svc.url + '/openai/load/no-such-model');
    assertError(await nope.json(), 404, nope.status, 'model_not_found', 'model');
    const ttl = await fetch(svc.url + `/openai/load/${MODEL_ID}?ttl=-1`);
    assertError(await ttl.json(), 400, ttl.status, 'invalid_request', 'ttl');
    const ep = await fetch(svc.url + `/openai/load/${MODEL_ID}?ep=tpu`);
    assertError(await ep.json(), 400, ep.status, 'unknown_provider', 'ep');
    const dl = await postRaw(svc.url + '/openai/download', JSON.stringify({}));
    assert.equal(dl.status, 400);
    assert.equal(dl.json.error.param, 'model.Name');
    await stillServes();
  });

  test('a provider this machine cannot run is a 503 that says why, not a silent CPU fallback', async (t) => {
    const statuses = await probeProviders({ only: ['webgpu', 'cuda'] });
    const down = statuses.find((s) => !s.usable);
    if (!down) { t.skip('every GPU provider is usable here'); return; }
    const r = await postRaw(CHAT(), JSON.stringify({ model: MODEL_ID, messages: ask('gpu?'), max_tokens: 2, ep: down.name }));
    assertError(r.json, 503, r.status, 'provider_unavailable', null);
    assert.match(r.json.error.message, /not usable on this machine/);
    const load = await fetch(svc.url + `/openai/load/${MODEL_ID}?ep=${down.name}`);
    assert.equal(load.status, 503);
    await stillServes();
  });

  test('garbage on the socket gets a 400 from node:http and the service goes on', async () => {
    const u = new URL(svc.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(Number(u.port), u.hostname, () => sock.write('NOT HTTP AT ALL\r\n\r\n'));
      let data = '';
      sock.on('data', (d) => { data += d; });
      sock.on('end', () => resolve(data));
      sock.on('error', reject);
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    await stillServes();
  });
});
