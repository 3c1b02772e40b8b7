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
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { printable } from '../lib/util/printable';
import { fromCall } from '../lib/bench/runner/from-call';

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
      if (mode === 'escapes') { // an error whose message would rewrite the terminal
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'boom\u001b]0;pwned\u0007\u001b[2J\u001b[31mred\r\nfake line\u202egnp.exe', type: 'server_error\u001b[0m', code: null } }));
        return;
      }
      if (mode === 'absurd') { // a whole answer with usage of 1e15 tokens and negative engine timings
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write(chunk('hello'));
        res.write(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], slmlab: { ttft_ms: -50, total_ms: -1, decode_tokens_per_second: 1e308 * 10 } })}\n\n`);
        res.write(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: 1e15, total_tokens: 1e15 + 3 } })}\n\n`);
        res.end('data: [DONE]\n\n');
        return;
      }
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

describe('untrusted text and numbers', () => {
  test("an endpoint's error is stored and printed with its control characters escaped", async () => {
    const call = await timedChat(client('escapes'), ask, { timeoutMs: 5000 });
    assert.equal(call.status, 'error');
    for (const field of [call.error, call.errorCode]) {
      assert.doesNotMatch(String(field), /[\u0000-\u001f\u007f-\u009f\u202e]/, String(field));
    }
    assert.match(String(call.error), /boom\\x1b\]0;pwned\\x07\\x1b\[2J/);
    assert.match(String(call.error), /\\x0d\\x0afake line\\u202egnp/);
    // The CLI's one error line escapes whatever a message carries.
    const errors = path.join(__dirname, '..', 'lib', 'errors.js');
    const exits = path.join(__dirname, '..', 'scripts', 'cli', 'exit-codes.js');
    const r = spawnSync(process.execPath, ['-e', `const { SlmlabError } = require(${JSON.stringify(errors)}); require(${JSON.stringify(exits)}).fail(new SlmlabError('endpoint_not_found', 'from the endpoint: \\u001b[2Jgone\\nsecond'))`], { encoding: 'utf8' });
    assert.equal(r.status, 8);
    assert.equal(r.stderr, 'slmlab: error: from the endpoint: \\x1b[2Jgone\\x0asecond\n');
    assert.equal(printable('tab\there\u0085\u2066x'), 'tab\\x09here\\x85\\u2066x');
    assert.equal(printable('plain ünïcode 你好 🙂'), 'plain ünïcode 你好 🙂');
  });

  test('usage of 1e15 tokens is flagged and not counted; negative engine timings are not taken', async () => {
    const call = await timedChat(client('absurd'), ask, { timeoutMs: 5000 });
    assert.equal(call.status, 'ok', String(call.error));
    assert.notEqual(call.completionTokens, 1e15);
    assert.ok((call.completionTokens ?? 0) < 100);
    assert.notEqual(call.tokenSource, 'usage');
    assert.match(String(call.anomalies), /not plausible/);
    assert.equal(call.slmlab?.ttftMs, null);
    assert.equal(call.slmlab?.totalMs, null);
    const req = { seq: 0, key: 'g:c:measure:1:0', gridHash: 'g', cellId: 'c', kind: 'measure', round: 1, slot: 0, group: 0, loadKey: 'k',
      cell: { model: 'm', messages: ask.messages, maxTokens: 4, endpoint: base, provider: 'cpu', mode: 'rounds', rounds: 1, concurrency: 1 } } as unknown as PlannedRequest;
    const rec = fromCall(req, 'run', call, null);
    assert.equal(rec.status, 'ok');
    assert.match(String(rec.reason), /not plausible/);
    assert.notEqual(rec.completionTokens, 1e15);
  });
});
