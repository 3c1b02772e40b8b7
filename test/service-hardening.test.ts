/**
 * The service under hostile or unlucky callers, on loopback with a real tiny model:
 * web pages of other sites change nothing, every caller gets an answer when a model is
 * force-unloaded, oversized bodies get 413 every time, and what Node's HTTP parser refuses
 * still gets an OpenAI-shaped body.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type OpenAI from 'openai';
import { startService, type ServiceHandle } from '../lib/service/server';
import { FolderRegistry } from '../lib/service/folder-registry';
import { clientFor, MODEL_ID, tinyFixture, type TinyFixture } from './helpers/service';

let fx: TinyFixture;
let svc: ServiceHandle;
let client: OpenAI;
const LIMIT = 64 * 1024;

before(async () => {
  fx = await tinyFixture();
  // maxBatch 1: the forced-unload cases need callers that really wait in the queue behind a running one.
  svc = await fx.start({ maxBodyBytes: LIMIT, maxQueue: 8, maxBatch: 1 });
  client = clientFor(svc);
});
after(async () => { await fx.cleanup(); });

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const r = await fetch(svc.url + path, { headers });
  const text = await r.text();
  let json: any = text;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json };
}

const loaded = async (): Promise<string[]> => (await get('/openai/loadedmodels')).json as string[];

describe('requests from web pages of other sites change nothing', () => {
  const load = `/openai/load/${encodeURIComponent(MODEL_ID)}`;
  // What a browser sends for <img src="http://127.0.0.1:port/openai/load/…"> on a foreign page.
  const refused: [string, Record<string, string>][] = [
    ['Sec-Fetch-Site: cross-site, no Origin, no Referer', { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'image' }],
    ['Sec-Fetch-Site: same-site from a non-loopback Referer', { 'Sec-Fetch-Site': 'same-site', Referer: 'http://intranet.example/page' }],
    ['a foreign Referer and no Sec-Fetch headers (older browsers)', { Referer: 'https://evil.example/x.html' }],
    ['a foreign Origin', { Origin: 'https://evil.example' }],
    ['Origin: null (a sandboxed frame or a file:// page)', { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' }],
    ['cross-site navigation with a Referer that is not a URL', { 'Sec-Fetch-Site': 'cross-site', Referer: 'garbage' }],
  ];
  for (const [name, headers] of refused) {
    test(`GET load is refused: ${name}`, async () => {
      await get('/openai/unloadall');
      const r = await get(load, headers);
      assert.equal(r.status, 403, JSON.stringify(r.json));
      assert.match(r.json.error.code, /cross_site_refused|origin_not_allowed/);
      assert.deepEqual(await loaded(), [], 'the model must not have been loaded');
    });
  }

  test('unload?force and unloadall from another site leave the loaded model and its requests alone', async () => {
    assert.equal((await get(load)).status, 200);
    const cross = { 'Sec-Fetch-Site': 'cross-site' };
    assert.equal((await get(`/openai/unload/${encodeURIComponent(MODEL_ID)}?force=true`, cross)).status, 403);
    assert.equal((await get('/openai/unloadall', cross)).status, 403);
    assert.deepEqual(await loaded(), [MODEL_ID]);
  });

  test('POST routes (download, chat) refuse a cross-site form post without Origin', async () => {
    for (const p of ['/openai/download', '/v1/chat/completions']) {
      const r = await fetch(svc.url + p, { method: 'POST', headers: { 'Content-Type': 'text/plain', 'Sec-Fetch-Site': 'cross-site' }, body: JSON.stringify({ model: MODEL_ID, messages: [{ role: 'user', content: 'x' }] }) });
      assert.equal(r.status, 403, p);
      assert.equal(((await r.json()) as any).error.code, 'cross_site_refused');
    }
  });

  test('curl, the openai client, pages on localhost and read-only routes keep working', async () => {
    await get('/openai/unloadall');
    assert.equal((await get(load)).status, 200); // curl: no browser headers
    assert.equal((await get('/openai/unloadall', { 'Sec-Fetch-Site': 'none' })).status, 200); // typed in the address bar
    assert.equal((await get(load, { 'Sec-Fetch-Site': 'same-site', Origin: 'http://localhost:8888', Referer: 'http://localhost:8888/lab' })).status, 200); // a notebook
    assert.equal((await get(load, { 'Sec-Fetch-Site': 'same-origin', Referer: `${svc.url}/` })).status, 200);
    // Read-only routes answer any page (the CORS rule decides what the page may read).
    assert.equal((await get('/v1/models', { 'Sec-Fetch-Site': 'cross-site' })).status, 200);
    assert.equal((await get('/openai/status', { 'Sec-Fetch-Site': 'cross-site' })).status, 200);
    const r = await client.chat.completions.create({ model: MODEL_ID, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    assert.equal(r.usage!.completion_tokens, 2);
  });
});

describe('a forced unload answers every caller', () => {
  const LONG = 480; // tiny's context is 512
  const unloadForce = () => get(`/openai/unload/${encodeURIComponent(MODEL_ID)}?force=true`);
  const nonStreaming = () => client.chat.completions.create({ model: MODEL_ID, messages: [{ role: 'user', content: 'a' }], max_tokens: LONG, temperature: 0 })
    .then(() => ({ status: 200, code: null as string | null }), (e: any) => ({ status: e.status as number, code: e.code as string | null }));
  async function inFlight(n: number): Promise<void> {
    for (let i = 0; i < 400; i++) {
      const rows = (await get('/slmlab/loaded')).json as { inFlight: number }[];
      if (rows.some((r) => r.inFlight >= n)) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`never saw ${n} requests in flight`);
  }

  test('streaming (running), non-streaming and queued: an error event then the end, and 503 for the others', async () => {
    await get('/openai/unloadall');
    const stream = await client.chat.completions.create({ model: MODEL_ID, messages: [{ role: 'user', content: 'a' }], max_tokens: LONG, stream: true });
    const queuedA = nonStreaming();
    const queuedB = nonStreaming();
    let chunks = 0;
    let streamError: any = null;
    let unloaded: Promise<unknown> | null = null;
    try {
      for await (const _ of stream) {
        chunks++;
        if (chunks === 1) { await inFlight(3); unloaded = unloadForce(); }
      }
    } catch (e) {
      streamError = e;
    }
    assert.equal((await unloaded as { status: number }).status, 200);
    assert.ok(streamError, `the stream ended without an error after ${chunks} chunks`);
    assert.equal(streamError.error?.code ?? streamError.code, 'model_unloaded', String(streamError));
    assert.ok(chunks < LONG);
    for (const q of [await queuedA, await queuedB]) assert.deepEqual(q, { status: 503, code: 'model_unloaded' });
  });

  test('a running non-streaming request and queued streaming and non-streaming ones all get 503', async () => {
    await get('/openai/unloadall');
    await get(`/openai/load/${encodeURIComponent(MODEL_ID)}`);
    const running = nonStreaming();
    await inFlight(1);
    const queuedStream = client.chat.completions.create({ model: MODEL_ID, messages: [{ role: 'user', content: 'b' }], max_tokens: 4, stream: true })
      .then(async (s) => { for await (const _ of s) { /* drain */ } return { status: 200, code: null }; }, (e: any) => ({ status: e.status, code: e.code }));
    const queued = nonStreaming();
    await inFlight(3);
    assert.equal((await unloadForce()).status, 200);
    assert.deepEqual(await running, { status: 503, code: 'model_unloaded' });
    assert.deepEqual(await queuedStream, { status: 503, code: 'model_unloaded' });
    assert.deepEqual(await queued, { status: 503, code: 'model_unloaded' });
    // And the service goes on: the next request loads the model afresh.
    const r = await client.chat.completions.create({ model: MODEL_ID, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    assert.equal(r.usage!.completion_tokens, 2);
  });
});

/** One raw HTTP exchange: writes `request`, reads until the server closes (or `ms`). */
function raw(request: string | Buffer, ms = 5000): Promise<string> {
  const u = new URL(svc.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname);
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => { out += d; });
    socket.on('end', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.on('error', (e) => (out ? resolve(out) : reject(e)));
    setTimeout(() => { socket.destroy(); resolve(out); }, ms).unref();
    socket.write(request);
  });
}

function parseRaw(text: string): { status: number; json: any } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return { status, json: JSON.parse(body) };
}

describe('early rejections are answered, never reset', () => {
  test('ten 5 MB bodies in a row each get a 413 with an OpenAI-shaped body', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
    for (let i = 0; i < 10; i++) {
      const r = await fetch(svc.url + '/v1/chat/completions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: big });
      assert.equal(r.status, 413, `round ${i}`);
      assert.equal(((await r.json()) as any).error.code, 'payload_too_large');
    }
  });

  test('a chunked body with no Content-Length that grows past the limit gets 413 too', async () => {
    const u = new URL(svc.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: '/v1/chat/completions', headers: { 'Content-Type': 'application/json' } }, (res) => { res.resume(); resolve(res.statusCode!); });
      req.on('error', reject);
      for (let i = 0; i < 40; i++) req.write(Buffer.alloc(64 * 1024, 0x20));
      req.end();
    });
    assert.equal(status, 413);
  });

  test('Expect: 100-continue with a body over the limit is refused before the body is sent', async () => {
    const u = new URL(svc.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: '/v1/chat/completions', headers: { 'Content-Type': 'application/json', 'Content-Length': 10_000_000, Expect: '100-continue' } }, (res) => { res.resume(); resolve(res.statusCode!); });
      req.on('continue', () => reject(new Error('the server asked for the body')));
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.equal(status, 413);
  });

  test('401, 403 and 404 before the body is read still reach a client that sends 2 MB', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    const r404 = await fetch(svc.url + '/v1/nowhere', { method: 'POST', body: big });
    assert.equal(r404.status, 404);
    assert.equal(((await r404.json()) as any).error.code, 'not_found');
    const r403 = await fetch(svc.url + '/openai/download', { method: 'POST', body: big, headers: { 'Sec-Fetch-Site': 'cross-site' } });
    assert.equal(r403.status, 403);
    const keyed = await fx.start({ apiKey: 'k', maxBodyBytes: LIMIT });
    const r401 = await fetch(keyed.url + '/v1/chat/completions', { method: 'POST', body: big });
    assert.equal(r401.status, 401);
    assert.equal(((await r401.json()) as any).error.code, 'invalid_api_key');
  });

  const host = () => `Host: ${new URL(svc.url).host}\r\n`;
  const parserCases: [string, () => string, number][] = [
    ['a Content-Length that is not a number', () => `POST /v1/chat/completions HTTP/1.1\r\n${host()}Content-Length: abc\r\n\r\n{}`, 400],
    ['a negative Content-Length', () => `POST /v1/chat/completions HTTP/1.1\r\n${host()}Content-Length: -5\r\n\r\n{}`, 400],
    ['both Transfer-Encoding and Content-Length', () => `POST /v1/chat/completions HTTP/1.1\r\n${host()}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`, 400],
    ['two different Content-Lengths', () => `POST /v1/chat/completions HTTP/1.1\r\n${host()}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`, 400],
    ['a 20 KB URL', () => `GET /v1/models?x=${'a'.repeat(20_000)} HTTP/1.1\r\n${host()}\r\n`, 431],
    ['a request line that is not HTTP', () => 'HELLO THERE\r\n\r\n', 400],
    ['no Host header', () => 'GET /v1/models HTTP/1.1\r\n\r\n', 400],
  ];
  for (const [name, request, status] of parserCases) {
    test(`Node's parser refuses ${name}: ${status} with an OpenAI-shaped body`, async () => {
      const r = parseRaw(await raw(request()));
      assert.equal(r.status, status);
      assert.equal(r.json.error.code, 'bad_http_request');
      assert.equal(r.json.error.type, 'invalid_request_error');
      assert.ok(r.json.error.message.length > 20);
    });
  }

  test('CONNECT and an unknown Expect get OpenAI-shaped 405 and 417 bodies too', async () => {
    const connect = parseRaw(await raw(`CONNECT 127.0.0.1:22 HTTP/1.1\r\n${host()}\r\n`));
    assert.equal(connect.status, 405);
    assert.equal(connect.json.error.code, 'method_not_allowed');
    const expect = parseRaw(await raw(`POST /v1/chat/completions HTTP/1.1\r\n${host()}Expect: 200-ok\r\nContent-Length: 2\r\n\r\n{}`));
    assert.equal(expect.status, 417);
    assert.equal(expect.json.error.code, 'bad_http_request');
  });

  test('after all of that the service still answers', async () => {
    const r = await client.chat.completions.create({ model: MODEL_ID, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    assert.equal(r.usage!.completion_tokens, 2);
  });
});

describe('a model file truncated under a loaded model costs only that model', () => {
  test('SIGBUS in one model\'s engine process: its request gets 500, the next ones a clean 422 naming --force, the other model streams on', async () => {
    const a = path.join(fx.root, 'victim');
    const b = path.join(fx.root, 'bystander');
    fs.cpSync(fx.dir, a, { recursive: true });
    fs.cpSync(fx.dir, b, { recursive: true });
    const two = await startService({ registry: new FolderRegistry({ 'victim:1': { dir: a }, 'bystander:1': { dir: b } }), threads: 1, apiKey: '' });
    try {
      const c = clientFor(two);
      const ask = (model: string, max = 20) => c.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: max })
        .then((r) => ({ status: 200, code: null as string | null, tokens: r.usage!.completion_tokens }), (e: any) => ({ status: e.status as number, code: e.code as string | null, tokens: 0 }));
      assert.equal((await ask('victim:1')).status, 200);
      assert.equal((await ask('bystander:1')).status, 200);
      // The other model is mid-stream while the victim's file is cut short under it.
      const stream = await c.chat.completions.create({ model: 'bystander:1', messages: [{ role: 'user', content: 'long' }], max_tokens: 300, stream: true });
      fs.truncateSync(path.join(a, 'model.onnx_data'), 50_000);
      const crashed = await ask('victim:1');
      assert.equal(crashed.status, 500);
      assert.equal(crashed.code, 'engine_crashed');
      let chunks = 0;
      for await (const ch of stream) if (ch.choices[0]?.delta?.content) chunks++;
      assert.ok(chunks > 0, 'the other model\'s stream ended normally'); // an error event would have thrown above
      for (let i = 0; i < 2; i++) assert.deepEqual(await ask('victim:1'), { status: 422, code: 'model_damaged', tokens: 0 });
      assert.equal((await ask('bystander:1')).tokens, 20);
      assert.equal((await fetch(two.url + '/openai/status')).status, 200, 'the service lives');
    } finally {
      await two.close();
    }
  });
});
