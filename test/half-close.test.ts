/**
 * Issue 21, class 9: a client that half-closes its socket after sending (FIN, write side only)
 * still gets its chat answer, whole or streamed; a client that then really leaves still
 * cancels its generation. Raw sockets on loopback against the real service.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import type { ServiceHandle } from '../lib/service/server';
import type { ServedRequest } from '../lib/service/model-manager';
import { MODEL_ID, tinyFixture, type TinyFixture } from './helpers/service';

let fx: TinyFixture;
let svc: ServiceHandle;
before(async () => { fx = await tinyFixture(); svc = await fx.start(); });
after(() => fx.cleanup());

function send(body: string, opts: { halfClose: boolean; destroyAfterMs?: number; path?: string; method?: string }): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(Number(new URL(svc.url).port), '127.0.0.1');
    let data = '';
    s.on('data', (d) => { data += d.toString(); });
    s.on('error', () => undefined);
    s.write(`${opts.method ?? 'POST'} ${opts.path ?? '/v1/chat/completions'} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    if (opts.halfClose) s.end();
    if (opts.destroyAfterMs !== undefined) setTimeout(() => s.destroy(), opts.destroyAfterMs);
    s.on('close', () => resolve(data));
  });
}

const chat = (extra: Record<string, unknown>) => JSON.stringify({ model: MODEL_ID, messages: [{ role: 'user', content: 'hi' }], max_tokens: 6, temperature: 0, ...extra });

test('a half-closed client gets its whole answer, and its streamed answer to [DONE]', async () => {
  const whole = await send(chat({ max_tokens: 200 }), { halfClose: true }); // long enough for interim 102s to be sent first
  assert.match(whole, /HTTP\/1\.1 200 OK/);
  assert.match(whole, /"object":"chat\.completion"/);
  const streamed = await send(chat({ stream: true }), { halfClose: true });
  assert.match(streamed, /HTTP\/1\.1 200 OK/); // after any interim 102 Processing (half-close.ts)
  assert.match(streamed, /data: \[DONE\]/);
  // Other routes and errors too.
  assert.match(await send('', { halfClose: true, method: 'GET', path: '/v1/models' }), /HTTP\/1\.1 200 OK[\s\S]*tiny-cpu-int4/);
  assert.match(await send('{"model":', { halfClose: true }), /HTTP\/1\.1 400 Bad Request[\s\S]*invalid_json/);
});

test('a client that leaves for good (whole or streamed answer) still cancels its generation', async () => {
  for (const stream of [false, true]) {
    const done: ServedRequest[] = [];
    const off = svc.manager.onRequestDone((r) => done.push(r));
    // tiny writes 480 tokens in ~0.15 s on a quiet machine: the client leaves well before that, so the
    // cancel has time to reach the engine process (100 ms was too close on a loaded machine).
    await send(chat({ max_tokens: 480, stream }), { halfClose: false, destroyAfterMs: 20 });
    for (let i = 0; i < 200 && !done.length; i++) await new Promise((r) => setTimeout(r, 20));
    off();
    assert.equal(done.length, 1);
    assert.equal(done[0].finishReason, 'abort', `stream ${stream}: ${JSON.stringify(done[0])}`);
    assert.ok(done[0].completionTokens < 480);
  }
});
