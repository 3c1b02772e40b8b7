/**
 * Issue 21, class 3: a hostile endpoint (a real HTTP server on loopback, scripted here) cannot
 * hang or exhaust a client read. `timeoutMs` bounds the whole response, not just the headers;
 * a per-response byte cap cuts an endless stream; a load worker's failure surfaces with its cause.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { timedChat } from '../lib/client/timed-chat';
import { driveLevelInWorkers, LoadWorkerError } from '../lib/bench/load/workers';
import type { PlannedRequest } from '../lib/bench/grid/schedule';
import { exitCodeOf } from '../scripts/cli/exit-codes';

let server: http.Server;
let base = '';
const open = new Set<http.ServerResponse>();

const chunk = (text: string) => `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;

before(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const mode = new URL(req.url ?? '/', 'http://x').searchParams.get('mode') ?? String(req.headers['x-mode'] ?? '');
      open.add(res);
      res.on('close', () => open.delete(res));
      if (mode === 'silent') { res.writeHead(200, { 'Content-Type': 'text/event-stream' }); res.flushHeaders(); return; } // headers, then nothing
      if (mode === 'never-headers') return;
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      if (mode === 'slow') { // one chunk every 100 ms, for ever
        const t = setInterval(() => res.write(chunk('a')), 100);
        res.on('close', () => clearInterval(t));
        return;
      }
      if (mode === 'trickle') { // one byte every 50 ms, for ever
        const bytes = Buffer.from(chunk('b'));
        let i = 0;
        const t = setInterval(() => res.write(bytes.subarray(i % bytes.length, (i++ % bytes.length) + 1)), 50);
        res.on('close', () => clearInterval(t));
        return;
      }
      // 'flood': as fast as the socket takes it, for ever
      const big = chunk('x'.repeat(16 * 1024));
      const pump = () => { while (!res.destroyed && res.write(big)) { /* fill */ } if (!res.destroyed) res.once('drain', pump); };
      pump();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const r of open) r.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const client = (mode: string) => new OpenAI({ baseURL: base + '/v1', apiKey: 'x', maxRetries: 0, defaultHeaders: { 'x-mode': mode } });
const ask = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 4 };

describe('client reads against a hostile endpoint', () => {
  for (const mode of ['slow', 'silent', 'trickle', 'never-headers']) {
    test(`--timeout bounds the whole response: a '${mode}' endpoint gives a timeout record, in time`, async () => {
      const t0 = performance.now();
      const call = await timedChat(client(mode), ask, { timeoutMs: 700 });
      const took = performance.now() - t0;
      assert.equal(call.status, 'error');
      assert.equal(call.errorCode, 'timeout', JSON.stringify(call.error));
      assert.match(String(call.error), /timed out after 700 ms/);
      assert.ok(took < 5000, `took ${took} ms`);
    });
  }

  test('an endless fast stream is cut at the byte cap (explicit and default), and memory stays bounded', async () => {
    const capped = await timedChat(client('flood'), ask, { maxResponseBytes: 1024 * 1024, timeoutMs: 30_000 });
    assert.equal(capped.errorCode, 'response_too_large', String(capped.error));
    assert.ok(capped.outputText.length <= 1024 * 1024);
    const before = process.memoryUsage().rss;
    const dflt = await timedChat(client('flood'), ask, { timeoutMs: 30_000 });
    assert.equal(dflt.errorCode, 'response_too_large', String(dflt.error));
    assert.match(String(dflt.error), /8388608 bytes/);
    assert.ok(process.memoryUsage().rss - before < 512 * 1024 * 1024);
  });

  test("the caller's own abort is still an abort, not a timeout", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const call = await timedChat(client('slow'), ask, { timeoutMs: 10_000, signal: ac.signal });
    assert.equal(call.errorCode, 'aborted');
  });

  test("--workers: a worker's failure is a LoadWorkerError naming its cause (exit 1, not 'a bug')", async () => {
    // A request the worker cannot even send (no messages): its timedChat throws inside the thread.
    const bad = { seq: 0, key: 'g:c:measured:1:0', gridHash: 'g', cellId: 'c', kind: 'measured', round: 1, slot: 0, group: 0, loadKey: 'k',
      cell: { model: 'm', messages: [], maxTokens: 1, endpoint: base + '/v1' } } as unknown as PlannedRequest;
    await assert.rejects(driveLevelInWorkers([bad], { workers: 1, baseURL: base + '/v1', apiKey: 'x' }), (e: Error & { code?: string }) => {
      assert.ok(e instanceof LoadWorkerError, String(e));
      assert.equal(e.code, 'load_worker_failed');
      assert.match(e.message, /load worker 0 failed: TypeError: timedChat: request\.messages must be a non-empty array/);
      assert.doesNotMatch(e.message, /\n/);
      assert.equal(exitCodeOf(e), 1);
      return true;
    });
  });
});
