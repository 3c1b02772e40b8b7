/**
 * A real browser (Chromium, headless) on a page of another site: its <img> and no-cors fetch
 * requests to the service's state-changing routes carry the headers Chromium really sends
 * (Sec-Fetch-Site, Referer, Origin), and they change nothing. The same page served from
 * localhost (a notebook, say) may load a model. The page's site is `evil.test`, resolved to
 * 127.0.0.1 by Chromium's host resolver rules, so no network is needed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import * as path from 'node:path';
import { parseCatalog } from '../lib/catalog';
import { CatalogRegistry } from '../lib/registry/catalog-registry';
import type { ServiceHandle } from '../lib/service/server';
import { startServiceWithPages } from '../lib/app/start-service';
import { MODEL_ID, tinyFixture, type TinyFixture } from './helpers/service';

const CHROMIUM = process.env.SLMLAB_CHROMIUM ?? '/usr/bin/chromium';
let fx: TinyFixture;
let svc: ServiceHandle;
/** A catalog service whose synthetic twin is not built yet: what a page must not get built (issue 21). */
let catalogSvc: ServiceHandle;
const TWIN = 'twin-x-generic-cpu:1';
let page: http.Server;
let pagePort = 0;
let browser: Browser | null = null;
const seen: { path: string; status: number }[] = [];

before(async () => {
  fx = await tinyFixture();
  svc = await fx.start({
    logger: { info: (m, f) => { if (m === 'request') seen.push({ path: String(f?.path), status: Number(f?.status) }); }, warn() {}, error() {} },
  });
  const catalog = parseCatalog(JSON.stringify({ version: 1, models: [{
    alias: 'twin-x', displayName: 'twin x', family: 'test', publisher: 'slmlab', parameters: 107456, contextLength: 512, license: 'MIT', task: 'chat-completion', synthetic: true,
    variants: [{ id: TWIN, device: 'CPU', provider: 'cpu', precision: 'int4', version: 1, sizeBytes: 190616, source: { kind: 'synthetic', shape: 'tiny', precision: 'int4', seed: 3 } }],
  }] }));
  catalogSvc = await startServiceWithPages({ registry: new CatalogRegistry({ catalog, cache: { cacheDir: path.join(fx.root, 'catalog-cache'), env: {} } }), threads: 1, apiKey: '', prepareWaitMs: 0 });
  page = http.createServer((req, res) => {
    const s = svc.url;
    const id = encodeURIComponent(MODEL_ID);
    res.writeHead(200, { 'Content-Type': 'text/html' });
    if (req.url === '/prepare') {
      const c = catalogSvc.url;
      const t = encodeURIComponent(TWIN);
      res.end(`<!doctype html><title>a page</title>
        <img src="${c}/web/models/${t}/manifest"><img src="${c}/web/models/${t}/files/model.onnx"><img src="${c}/web/models/twin-x/files/model.onnx_data">
        <script>
          fetch('${c}/web/models/${t}/prepare', { method: 'POST', mode: 'no-cors' }).finally(() => { document.title = 'sent'; });
        </script>`);
      return;
    }
    if (req.url === '/load') {
      res.end(`<!doctype html><title>a page</title><img src="${s}/openai/load/${id}" onload="document.title = 'sent'" onerror="document.title = 'sent'">`);
      return;
    }
    res.end(`<!doctype html><title>a page</title>
      <img src="${s}/openai/load/${id}?ttl=0">
      <img src="${s}/openai/unloadall">
      <script>
        fetch('${s}/v1/chat/completions', { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' },
          body: JSON.stringify({ model: '${MODEL_ID}', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }) })
          .finally(() => { document.title = 'sent'; });
      </script>`);
  });
  await new Promise<void>((r) => page.listen(0, '127.0.0.1', () => r()));
  pagePort = (page.address() as AddressInfo).port;
});

after(async () => {
  await browser?.close();
  await catalogSvc?.close();
  page.close();
  await fx.cleanup();
});

async function visit(host: string, pathname = '/'): Promise<void> {
  const ctx = await browser!.newContext();
  const p = await ctx.newPage();
  await p.goto(`http://${host}:${pagePort}${pathname}`);
  await p.waitForFunction('document.title === "sent"', undefined, { timeout: 20_000 });
  await p.waitForLoadState('load');
  await ctx.close();
}

const loaded = async () => (await (await fetch(svc.url + '/openai/loadedmodels')).json()) as string[];

test('a page of another site loads, unloads and generates nothing; a page on localhost may load', async (t) => {
  if (!fs.existsSync(CHROMIUM)) { t.skip(`no Chromium at ${CHROMIUM} (set SLMLAB_CHROMIUM)`); return; }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--host-resolver-rules=MAP evil.test 127.0.0.1', '--no-sandbox'] });

  await visit('evil.test');
  await visit('evil.test', '/load');
  assert.deepEqual(await loaded(), [], 'a cross-site <img> loaded a model');
  const fromPage = seen.filter((r) => /^\/(openai\/load\/|openai\/unloadall|v1\/chat)/.test(r.path));
  assert.ok(fromPage.length >= 3, `the browser's requests did not arrive: ${JSON.stringify(seen)}`);
  for (const r of fromPage) assert.equal(r.status, 403, JSON.stringify(fromPage));

  // The service keeps working for its legitimate callers, and a loopback page is one of them.
  seen.length = 0;
  await visit('localhost', '/load');
  assert.deepEqual(await loaded(), [MODEL_ID], `a localhost page could not load the model: ${JSON.stringify(seen)}`);
});

test("a page of another site cannot get a model built through the browser page's routes; a localhost page's POST can", async (t) => {
  if (!fs.existsSync(CHROMIUM)) { t.skip(`no Chromium at ${CHROMIUM} (set SLMLAB_CHROMIUM)`); return; }
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--host-resolver-rules=MAP evil.test 127.0.0.1', '--no-sandbox'] });
  const preparing = async () => (await (await fetch(catalogSvc.url + '/slmlab/preparing')).json()) as Array<{ id: string }>;
  await visit('evil.test', '/prepare');
  await new Promise((r) => setTimeout(r, 300)); // the images' requests have arrived and been answered
  assert.deepEqual(await preparing(), [], 'a cross-site page started a build');
  const built = fs.existsSync(path.join(fx.root, 'catalog-cache')) && fs.readdirSync(path.join(fx.root, 'catalog-cache'), { recursive: true }).some((f) => String(f).endsWith('.onnx'));
  assert.equal(built, false);
  await visit('localhost', '/prepare');
  for (let i = 0; i < 100 && !(await preparing()).length; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual((await preparing()).map((p) => p.id), [TWIN], 'a localhost page could not ask for the build');
});
