/**
 * ServiceClient (lib/client/service-client.ts), the one client of the service's own routes:
 * bounded in time and bytes, and a refusal keeps the service's own error code. Against small
 * node:http servers on loopback that misbehave on purpose (the real service's answers are
 * covered by the daemon, workshop-port and CLI tests that go through this client).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceCallError, ServiceClient } from '../lib/client/service-client';
import { SlmlabError } from '../lib/errors';

let server: http.Server;
let url = '';
const seen: { url?: string; auth?: string; body?: string }[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      seen.push({ url: req.url, auth: req.headers.authorization, body });
      if (req.url === '/slmlab/instance') { res.end(JSON.stringify({ instance: 'abc', pid: 42 })); return; }
      if (req.url?.startsWith('/openai/load/')) {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { message: "model 'nope' is not in the catalog", type: 'invalid_request_error', param: 'model', code: 'model_not_found' } }));
        return;
      }
      if (req.url === '/openai/loadedmodels') { res.writeHead(200); res.write('['); res.end('"x"' + ',"y"'.repeat(5000) + ']'); return; }
      if (req.url === '/web/chat/docsets') { res.writeHead(201, { 'Content-Type': 'application/json' }); res.end(JSON.stringify({ id: 'd1' })); return; }
      if (req.url === '/slmlab/loaded') return; // never answers
      res.writeHead(500);
      res.end('plain failure');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

test('typed calls send the key and parse the answers', async () => {
  const c = new ServiceClient(url + '/', { apiKey: 'k1' });
  assert.deepEqual(await c.instance(), { instance: 'abc', pid: 42 });
  assert.equal(await c.postDocset([{ source: 'a', text: 'b' }]), 'd1');
  assert.deepEqual(seen.at(-1), { url: '/web/chat/docsets', auth: 'Bearer k1', body: JSON.stringify({ docs: [{ source: 'a', text: 'b' }] }) });
  assert.equal((await c.loadedModels()).length, 5001);
});

test("a refusal carries the service's own code, message and status", async () => {
  await assert.rejects(new ServiceClient(url).load('nope', { ep: 'cpu', ttl: 5 }), (e: unknown) =>
    e instanceof ServiceCallError && e.code === 'model_not_found' && e.status === 404 && /not in the catalog/.test(e.message));
  assert.equal(seen.at(-1)?.url, '/openai/load/nope?ep=cpu&ttl=5');
  await assert.rejects(new ServiceClient(url).unload('x'), (e: unknown) => e instanceof ServiceCallError && e.code === 'service_error' && e.message === 'plain failure');
});

test('an answer past the byte cap and one that never comes both fail the call, bounded', async () => {
  await assert.rejects(new ServiceClient(url, { maxBytes: 1000 }).loadedModels(), (e: unknown) => e instanceof SlmlabError && /more than 1000 bytes/.test(e.message));
  await assert.rejects(new ServiceClient(url, { timeoutMs: 300 }).loaded(), (e: unknown) => (e as Error).name === 'TimeoutError');
  assert.equal(await new ServiceClient('http://127.0.0.1:1').instance(300), null, 'nothing listening: not a service');
});
