/**
 * Issue 21, class 4: an engine process that stops answering (SIGSTOP here: a real stopped
 * process, the service's own child) is found by the heartbeat; its callers get 503
 * model_unavailable instead of waiting for ever, the process is killed, and the next request
 * starts a fresh one. A forced unload of a stopped engine answers within about a second.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceHandle } from '../lib/service/server';
import type { ProcessModel } from '../lib/engine/process-engine';
import { MODEL_ID, postRaw, tinyFixture, type TinyFixture } from './helpers/service';

let fx: TinyFixture;
const stopped: number[] = [];

before(async () => { fx = await tinyFixture(); });
after(async () => {
  for (const pid of stopped) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
  await fx.cleanup();
});

const chat = (svc: ServiceHandle, maxTokens: number, stream = false) =>
  postRaw(svc.url + '/v1/chat/completions', JSON.stringify({ model: MODEL_ID, messages: [{ role: 'user', content: 'hi' }], max_tokens: maxTokens, temperature: 0, stream }));

function enginePid(svc: ServiceHandle): number {
  const m = svc.manager.loadedModel(MODEL_ID) as unknown as { child: { pid: number } | null };
  assert.ok(m?.child, 'no engine process');
  return m.child.pid;
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

test('a stopped engine: waiting and new callers get 503 model_unavailable, it is killed, the next request is served by a fresh one', async () => {
  const svc = await fx.start({ engineFrozenAfterMs: 1500 });
  assert.equal((await chat(svc, 2)).status, 200);
  const pid = enginePid(svc);
  // In flight when the engine stops: a long generation.
  const running = chat(svc, 400);
  await new Promise((r) => setTimeout(r, 150));
  process.kill(pid, 'SIGSTOP');
  stopped.push(pid);
  const t0 = performance.now();
  const later = chat(svc, 4); // arrives after the stop
  const [a, b] = await Promise.all([running, later]);
  const took = performance.now() - t0;
  for (const r of [a, b]) {
    if (r.status === 200) continue; // the first may have finished before the stop took hold
    assert.equal(r.status, 503, JSON.stringify(r.json));
    assert.equal(r.json.error.code, 'model_unavailable');
    assert.match(r.json.error.message, /stopped answering/);
  }
  assert.ok(a.status === 503 || b.status === 503, 'no caller saw the frozen engine');
  assert.ok(took < 8000, `callers waited ${took} ms`);
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(alive(pid), false, 'the frozen engine process was not killed');
  const again = await chat(svc, 3);
  assert.equal(again.status, 200, JSON.stringify(again.json));
  assert.notEqual(enginePid(svc), pid);
  assert.equal((svc.manager.loadedModel(MODEL_ID) as unknown as ProcessModel).frozen, 1);
  await svc.close();
});

test('a stopped engine mid-stream: the stream ends with a model_unavailable error event', async () => {
  const svc = await fx.start({ engineFrozenAfterMs: 1000 });
  assert.equal((await chat(svc, 2)).status, 200);
  const pid = enginePid(svc);
  const res = await fetch(svc.url + '/v1/chat/completions', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: MODEL_ID, messages: [{ role: 'user', content: 'hi' }], max_tokens: 480, stream: true }) });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  await reader.read(); // the stream has begun
  process.kill(pid, 'SIGSTOP');
  stopped.push(pid);
  let text = '';
  for (;;) { const { done, value } = await reader.read(); if (done) break; text += Buffer.from(value).toString(); }
  assert.match(text, /model_unavailable|"finish_reason":"(stop|length)"/);
  await svc.close();
});

test('a forced unload of a stopped engine answers within about a second', async () => {
  const svc = await fx.start({ engineFrozenAfterMs: 60_000 }); // the heartbeat does not fire here
  assert.equal((await chat(svc, 2)).status, 200);
  const pid = enginePid(svc);
  process.kill(pid, 'SIGSTOP');
  stopped.push(pid);
  const t0 = performance.now();
  const r = await fetch(`${svc.url}/openai/unload/${encodeURIComponent(MODEL_ID)}?force=true`);
  const took = performance.now() - t0;
  assert.equal(r.status, 200);
  assert.ok(took < 1800, `forced unload took ${took} ms`);
  assert.deepEqual(await (await fetch(svc.url + '/openai/loadedmodels')).json(), []);
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((res) => setTimeout(res, 20));
  assert.equal(alive(pid), false);
  await svc.close();
});
