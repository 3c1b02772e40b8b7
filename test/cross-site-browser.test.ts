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
import type { ServiceHandle } from '../lib/service/server';
import { MODEL_ID, tinyFixture, type TinyFixture } from './helpers/service';

const CHROMIUM = process.env.SLMLAB_CHROMIUM ?? '/usr/bin/chromium';
let fx: TinyFixture;
let svc: ServiceHandle;
let page: http.Server;
let pagePort = 0;
let browser: Browser | null = null;
const seen: { path: string; status: number }[] = [];

before(async () => {
  fx = await tinyFixture();
  svc = await fx.start({
    logger: { info: (m, f) => { if (m === 'request') seen.push({ path: String(f?.path), status: Number(f?.status) }); }, warn() {}, error() {} },
  });
  page = http.createServer((req, res) => {
    const s = svc.url;
    const id = encodeURIComponent(MODEL_ID);
    res.writeHead(200, { 'Content-Type': 'text/html' });
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
