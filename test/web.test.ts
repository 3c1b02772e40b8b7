/**
 * Session 4's pages in a real browser: Debian's Chromium, headless, driven by playwright-core
 * (no browser download), against a real service on loopback serving a real tiny model.
 *   - the RAG chat page streams an answer with citations, the matching passage first;
 *   - the in-browser inference page runs `tiny` on WASM and its greedy token ids equal the
 *     engine's (onnxruntime-node, the model's own graph) for the same prompt, with last-position
 *     logits by default (rewritten in the worker; int8's DynamicQuantizeMatMul head is left as it
 *     is, with the reason shown); a reload takes the model from Cache Storage;
 *   - the security rules: CSP, isolation headers, files by id and name only, big models refused.
 * Screenshots of both pages are written under the test's temp folder (path printed).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadModel } from '../lib/engine/engine';
import { buildModel } from '../lib/cache/build-model';
import type { ServiceHandle } from '../lib/service/server';
import { BROWSER_MAX_BYTES } from '../lib/web/browser-model';
import { readDocs } from '../lib/web/docsets';
import { copyDir } from './helpers/models';
import { MODEL_ID, tinyFixture, type TinyFixture } from './helpers/service';

const CHROMIUM = process.env.SLMLAB_CHROMIUM ?? '/usr/bin/chromium';
const PROMPT = 'Explain in one sentence why small language models suit laptops.';
const MAX_TOKENS = 12;
const INT8_ID = 'tiny-int8:1';

let fx: TinyFixture;
let svc: ServiceHandle;
let browser: Browser;
let shots: string;
const pageErrors: string[] = [];

before(async () => {
  fx = await tinyFixture();
  // A copy of tiny whose weights file is grown (sparsely) past what a browser tab can hold.
  const big = path.join(fx.root, 'big');
  copyDir(fx.dir, big);
  fs.truncateSync(path.join(big, 'model.onnx_data'), BROWSER_MAX_BYTES + 1);
  const int8 = path.join(fx.root, 'tiny-int8');
  await buildModel({ shape: 'tiny', precision: 'int8', out: int8 });
  const explicit = (fx.registry as unknown as { explicit: Array<{ id: string; spec: { dir: string } }> }).explicit;
  explicit.push({ id: 'big-twin:1', spec: { dir: big } }, { id: INT8_ID, spec: { dir: int8 } });
  svc = await fx.start();
  shots = path.join(fx.root, 'screenshots');
  fs.mkdirSync(shots);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
after(async () => {
  await browser?.close();
  if (process.env.SLMLAB_KEEP_SCREENSHOTS) fs.cpSync(shots, process.env.SLMLAB_KEEP_SCREENSHOTS, { recursive: true });
  await fx.cleanup();
});

async function openPage(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 860 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  // Every request must stay on the service's origin.
  page.on('request', (r) => { if (!r.url().startsWith(svc.url) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) pageErrors.push(`third-party request ${r.url()}`); });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  return page;
}

describe('the RAG chat page', () => {
  test('streams an answer with numbered citations, the passage that matches the question first', async () => {
    const page = await openPage(`${svc.url}/chat?model=${encodeURIComponent(MODEL_ID)}`);
    assert.equal(await page.locator('#docs li').count(), 3, 'the workshop documents by default');
    assert.match(await page.locator('#model-note').innerText(), /synthetic test model: a made-up architecture/, 'tiny is no twin of a real model');
    await page.fill('#question', 'What does Foundry Local enable on my machine?');
    await page.click('#send');
    const answer = page.locator('.msg.assistant[data-state="done"]');
    await answer.waitFor({ timeout: 30_000 });
    const citations = answer.locator('ol.citations li');
    assert.equal(await citations.count(), 2);
    assert.equal(await citations.first().getAttribute('data-source'), 'foundry-local');
    assert.ok(Number(await answer.getAttribute('data-deltas')) > 1, 'the answer arrived in several streamed deltas');
    // The model's first answer waited for it to load: shown apart from TTFT (which leaves it out).
    assert.match(await answer.locator('.stats').innerText(), /model load \d+ ms \(first use\) · TTFT \d+ ms · total \d+ ms/);
    assert.ok(Number(await answer.getAttribute('data-load-ms')) >= 20);
    assert.equal(await page.locator('#chart svg rect').count() >= 2, true, 'the latency chart has bars');

    // A pasted document joins the corpus and wins for a question about it.
    await page.click('#add-docs summary');
    await page.fill('#doc-name', 'gardening.txt');
    await page.fill('#doc-text', 'Tomatoes need six hours of sun and deep watering twice a week.');
    await page.click('#doc-add');
    await page.fill('#question', 'How often should tomatoes get watering?');
    await page.click('#send');
    await page.locator('.msg.assistant[data-state="done"]').nth(1).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.msg.assistant').nth(1).locator('ol.citations li').first().getAttribute('data-source'), 'gardening.txt');
    assert.doesNotMatch(await page.locator('.msg.assistant').nth(1).locator('.stats').innerText(), /model load/, 'loaded once');
    await page.screenshot({ path: path.join(shots, 'chat.png'), fullPage: true });
    await page.close();
    assert.deepEqual(pageErrors, []);
  });
});

describe('the in-browser inference page', () => {
  /** Loads `id` on WASM in the page, generates, and checks the ids against the engine's on the same folder. */
  async function sameIdsAsEngine(page: Page, id: string, dir: string, logits: 'last' | 'all'): Promise<void> {
    await page.selectOption('#model', id);
    await page.click('#load');
    await page.waitForSelector(`body[data-loaded="${id}"]`, { timeout: 30_000 });
    const result = page.locator('#result');
    assert.equal(await result.getAttribute('data-backend'), 'wasm');
    assert.equal(await result.getAttribute('data-logits'), logits, `${id}: which graph the page opened`);
    await page.fill('#prompt', PROMPT);
    await page.fill('#max-tokens', String(MAX_TOKENS));
    await page.locator('#result').evaluate((e) => { delete (e as unknown as { dataset: Record<string, string | undefined> }).dataset.state; });
    await page.click('#run');
    await page.waitForSelector('#result[data-state="done"]', { state: 'attached', timeout: 30_000 });
    const browserIds = JSON.parse((await result.getAttribute('data-ids'))!) as number[];
    assert.ok(Number(await result.getAttribute('data-service-tokens-per-second')) > 0, 'the side-by-side service run finished');
    const engine = await loadModel(dir, { provider: 'cpu', threads: 1 } as never);
    try {
      const r = await engine.complete({ messages: [{ role: 'user', content: PROMPT }], maxTokens: MAX_TOKENS, temperature: 0 });
      assert.equal(browserIds.length, MAX_TOKENS);
      assert.deepEqual(browserIds, r.tokenIds, `${id}: browser (WASM) and engine greedy ids`);
    } finally {
      await engine.dispose();
    }
  }

  test('runs tiny (int4 and int8) on WASM with the engine\'s greedy token ids; a reload takes the model from Cache Storage', async () => {
    const page = await openPage(`${svc.url}/browser?model=${encodeURIComponent(MODEL_ID)}&backend=wasm`);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated), true, 'COOP + COEP make the page cross-origin isolated');
    await sameIdsAsEngine(page, MODEL_ID, fx.dir, 'last');
    assert.equal(await page.locator('#result').getAttribute('data-from-cache'), 'false');
    assert.match(await page.locator('#backend').innerText(), /WASM.*last-position logits/);
    await page.screenshot({ path: path.join(shots, 'inference.png'), fullPage: true });
    // int8's lm_head quantizes its input per tensor: one row would change its numbers, so no rewrite.
    await sameIdsAsEngine(page, INT8_ID, path.join(fx.root, 'tiny-int8'), 'all');
    assert.match(await page.locator('#backend').innerText(), /logits at every position \('logits' comes from a DynamicQuantizeMatMul node/);

    // Same origin, same browser context: Cache Storage still holds the files; ?logits=all opens the model's own graph.
    await page.goto(`${svc.url}/browser?model=${encodeURIComponent(MODEL_ID)}&backend=wasm&logits=all`);
    await page.waitForSelector('body[data-ready="true"]');
    await sameIdsAsEngine(page, MODEL_ID, fx.dir, 'all');
    assert.equal(await page.locator('#result').getAttribute('data-from-cache'), 'true');
    await page.close();
    assert.deepEqual(pageErrors, []);
  });

  test('a model too big for a browser tab is refused before any byte is sent', async () => {
    const page = await openPage(`${svc.url}/browser?model=big-twin:1`);
    await page.click('#load');
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.locator('#error').innerText(), /more than a browser tab can hold.*pick a smaller model/);
    await page.close();
    const file = await fetch(`${svc.url}/web/models/big-twin%3A1/files/model.onnx_data`);
    assert.equal(file.status, 400);
    await file.arrayBuffer();
  });
});

describe('security of the pages', () => {
  test('pages carry a self-only CSP, wasm-unsafe-eval only where ORT needs it, and cross-origin isolation', async () => {
    const chat = await fetch(`${svc.url}/chat`);
    await chat.text();
    const csp = chat.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.equal(chat.headers.get('cross-origin-embedder-policy'), 'require-corp');
    const inference = await fetch(`${svc.url}/browser`);
    await inference.text();
    assert.match(inference.headers.get('content-security-policy')!, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.equal(inference.headers.get('cross-origin-opener-policy'), 'same-origin');
  });

  test('files are served by model id and listed name only: no path from a request reaches the disk', async () => {
    const ok = await fetch(`${svc.url}/web/models/${encodeURIComponent(MODEL_ID)}/files/tokenizer.json`);
    assert.deepEqual(Buffer.from(await ok.arrayBuffer()), fs.readFileSync(path.join(fx.dir, 'tokenizer.json')));
    for (const bad of [
      `/web/models/${encodeURIComponent(MODEL_ID)}/files/..%2F..%2F..%2Fetc%2Fpasswd`,
      `/web/models/${encodeURIComponent(MODEL_ID)}/files/config.json`,
      '/web/ort/..%2Fpackage.json',
      '/web/static/..%2F..%2Fservice%2Fserver.ts',
      '/web/assets/nothing.js',
    ]) {
      const r = await fetch(svc.url + bad);
      const body = await r.json() as { error?: { message?: string } };
      assert.equal(r.status, 404, bad);
      assert.ok(body.error?.message, bad);
    }
    const unknown = await fetch(`${svc.url}/web/models/no-such-model/manifest`);
    assert.equal(unknown.status, 404);
    await unknown.arrayBuffer();
  });

  test('documents from `slmlab chat --docs <folder>` are posted to the service and served back by id', async () => {
    const folder = path.join(fx.root, 'docs');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'b.md'), 'Basil likes warmth.');
    fs.writeFileSync(path.join(folder, 'a.txt'), 'Tomatoes need sun.');
    fs.writeFileSync(path.join(folder, 'skip.bin'), 'not text');
    const docs = readDocs(folder);
    assert.deepEqual(docs.map((d) => d.source), ['a.txt', 'b.md']);
    const posted = await fetch(`${svc.url}/web/chat/docsets`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ docs }) });
    assert.equal(posted.status, 201);
    const { id, url } = await posted.json() as { id: string; url: string };
    assert.equal(url, `${svc.url}/chat?docs=${id}`);
    const back = await (await fetch(`${svc.url}/web/chat/docsets/${id}`)).json() as { docs: unknown };
    assert.deepEqual(back.docs, docs);
    const bad = await fetch(`${svc.url}/web/chat/docsets`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ docs: [{ text: 'x' }] }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /source/);
    assert.throws(() => readDocs(path.join(fx.root, 'nope')), /no such file or folder/);
  });

  test('the browser code type-checks against the DOM library (tsc never emits it: esbuild bundles it)', () => {
    const repo = path.resolve(__dirname, '../..');
    execFileSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', path.join(repo, 'lib/web/browser/tsconfig.json')], { stdio: 'pipe' });
  });
});
