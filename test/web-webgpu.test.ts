/**
 * The in-browser inference page on WebGPU, in Debian's headless Chromium with its SwiftShader
 * adapter (WebGPU computed on the CPU): a software adapter is used only when the page is told
 * it may (?allowSoftwareGpu=1), it is labelled, the greedy ids equal the engine's on cpu, and
 * the KV cache stays on the device (only the logits come back). Also the int8 build route:
 * a same-origin POST builds, a cross-site one is refused. Skips without Chromium.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadModel } from '../lib/engine/engine';
import { SOFTWARE_ADAPTER_NOTE } from '../lib/engine/adapter';
import { buildModel } from '../lib/cache/build-model';
import type { ServiceHandle } from '../lib/service/server';
import { tinyFixture, type TinyFixture } from './helpers/service';

const CHROMIUM = process.env.SLMLAB_CHROMIUM ?? '/usr/bin/chromium';
const skip = fs.existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (Debian: apt-get install chromium; or set SLMLAB_CHROMIUM)`;
const PROMPT = 'Explain in one sentence why small language models suit laptops.';
const MAX_TOKENS = 8;
const FP32_ID = 'tiny-fp32:1';

let fx: TinyFixture;
let svc: ServiceHandle;
let browser: Browser;
let fp32Dir: string;
let savedCache: string | undefined;
const pageErrors: string[] = [];

before(async () => {
  if (skip) return;
  fx = await tinyFixture();
  savedCache = process.env.SLMLAB_CACHE_DIR;
  process.env.SLMLAB_CACHE_DIR = path.join(fx.root, 'cache');
  // fp32: the same float math on WebGPU and on cpu (int4's accuracy level 4 quantises activations on cpu only).
  fp32Dir = path.join(fx.root, 'tiny-fp32');
  await buildModel({ shape: 'tiny', precision: 'fp32', out: fp32Dir });
  const explicit = (fx.registry as unknown as { explicit: Array<{ id: string; spec: { dir: string } }> }).explicit;
  explicit.push({ id: FP32_ID, spec: { dir: fp32Dir } });
  svc = await fx.start();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
after(async () => {
  await browser?.close();
  if (savedCache === undefined) delete process.env.SLMLAB_CACHE_DIR; else process.env.SLMLAB_CACHE_DIR = savedCache;
  await fx?.cleanup();
});

async function openPage(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 860 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  return page;
}

test('the page sees a software WebGPU adapter and will not use it unless allowed', { skip }, async () => {
  const page = await openPage(`${svc.url}/browser?model=${encodeURIComponent(FP32_ID)}&backend=webgpu`);
  assert.equal(await page.locator('body').getAttribute('data-webgpu'), 'software', 'SwiftShader is a software adapter');
  await page.click('#load');
  await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
  assert.match(await page.locator('#error').innerText(), /software one .*allowSoftwareGpu=1/);
  await page.close();
});

test('with ?allowSoftwareGpu=1 tiny runs on WebGPU, labelled, with the engine\'s greedy ids and the KV cache on the device', { skip }, async () => {
  const page = await openPage(`${svc.url}/browser?model=${encodeURIComponent(FP32_ID)}&backend=webgpu&allowSoftwareGpu=1`);
  await page.click('#load');
  await page.waitForSelector(`body[data-loaded="${FP32_ID}"]`, { timeout: 60_000 });
  const result = page.locator('#result');
  assert.equal(await result.getAttribute('data-backend'), 'webgpu');
  assert.equal(await result.getAttribute('data-software-adapter'), 'true');
  assert.equal(await result.getAttribute('data-logits'), 'last', 'the worker rewrote the graph for last-position logits (the default)');
  assert.ok((await page.locator('#backend').innerText()).includes(SOFTWARE_ADAPTER_NOTE), 'the badge says it is a software adapter');
  await page.fill('#prompt', PROMPT);
  await page.fill('#max-tokens', String(MAX_TOKENS));
  await page.uncheck('#side-by-side');
  await page.click('#run');
  await page.waitForSelector('#result[data-state="done"]', { state: 'attached', timeout: 60_000 });
  const ids = JSON.parse((await result.getAttribute('data-ids'))!) as number[];
  const copies = JSON.parse((await result.getAttribute('data-copies'))!) as { kvOnDevice: boolean; perStep: { hostToDevice: number; deviceToHost: number } };
  assert.equal(copies.kvOnDevice, true);
  assert.deepEqual(copies.perStep, { hostToDevice: 2, deviceToHost: 1 }, 'ids and mask up, logits down');
  const shots = process.env.SLMLAB_KEEP_SCREENSHOTS;
  if (shots) { fs.mkdirSync(shots, { recursive: true }); await page.screenshot({ path: path.join(shots, 'inference-webgpu-swiftshader.png'), fullPage: true }); }
  await page.close();
  const engine = await loadModel(fp32Dir, { provider: 'cpu', threads: 1, maxBatch: 1 });
  try {
    const r = await engine.generate({ messages: [{ role: 'user', content: PROMPT }], maxTokens: MAX_TOKENS, temperature: 0 }).result;
    assert.equal(ids.length, MAX_TOKENS);
    assert.deepEqual(ids, r.tokenIds, 'browser (WebGPU, SwiftShader) and engine (cpu) greedy ids');
  } finally {
    await engine.dispose();
  }
  assert.deepEqual(pageErrors, []);
});

test('POST /web/models/build-int8 builds a known shape\'s int8 twin; a cross-site POST and unknown shapes are refused', { skip }, async () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${svc.url}/web/models/build-int8`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const cross = await post({ shape: 'tiny' }, { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' });
  assert.equal(cross.status, 403);
  assert.equal(fs.existsSync(path.join(fx.root, 'cache', 'synthetic', 'tiny-int8')), false, 'nothing was built for the cross-site request');
  const bad = await post({ shape: 'qwen9-900b' });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /shape must be one of .*tiny/);
  const ok = await post({ shape: 'tiny' });
  assert.equal(ok.status, 200, await ok.clone().text());
  const made = (await ok.json()) as { id: string };
  assert.equal(made.id, 'tiny-int8');
  assert.ok(fs.existsSync(path.join(fx.root, 'cache', 'synthetic', made.id, 'model.onnx')));
});
