/**
 * Issue 21, class 1: every route declares its effect, and every state-changing one refuses a
 * cross-site request whatever its method and path. The test walks the route table itself, so a
 * route added later is covered without editing this file. Read routes (which any page may make a
 * browser GET) never download or build: a model that is not on disk gets 409 model_not_prepared,
 * and preparation is an explicit POST.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCatalog } from '../lib/catalog';
import { CatalogRegistry } from '../lib/registry/catalog-registry';
import { startService, type ServiceHandle } from '../lib/service/server';
import { startServiceWithPages } from '../lib/app/start-service';
import { makeTempDir, removeTempDir } from './helpers/models';

let root: string;
let svc: ServiceHandle;
/** A synthetic catalog variant not in the cache: a request that prepares it would build it. */
const LATER = 'twin-later-generic-cpu:1';
const MODEL_ID = LATER;
const cacheDir = () => path.join(root, 'cache');

before(async () => {
  root = makeTempDir();
  const catalog = parseCatalog(JSON.stringify({
    version: 1,
    models: [{
      alias: 'twin-later', displayName: 'twin later', family: 'test', publisher: 'slmlab', parameters: 107456, contextLength: 512, license: 'MIT',
      task: 'chat-completion', synthetic: true,
      variants: [{ id: LATER, device: 'CPU', provider: 'cpu', precision: 'int4', version: 1, sizeBytes: 190616,
        source: { kind: 'synthetic', shape: 'tiny', precision: 'int4', seed: 21 } }],
    }],
  }));
  svc = await startServiceWithPages({ registry: new CatalogRegistry({ catalog, cache: { cacheDir: cacheDir(), env: {} } }), threads: 1, apiKey: '', prepareWaitMs: 0 });
});
after(async () => {
  await svc.close();
  removeTempDir(root);
});

/** Whether anything was built or downloaded into the cache. */
const cacheHasModels = () => fs.existsSync(cacheDir()) && fs.readdirSync(cacheDir(), { recursive: true }).some((f) => String(f).endsWith('.onnx'));

/** A concrete path for a route pattern: every :param filled with `value`. */
const concrete = (p: string, value: string) => p.replace(/:(\w+)/g, (_, k: string) => encodeURIComponent(k === 'name' && p.includes('/files/') ? 'model.onnx' : value));

const preparing = async () => (await (await fetch(svc.url + '/slmlab/preparing')).json()) as unknown[];

/** Browser header shapes a page of another site can produce without any script's cooperation. */
const CROSS_SITE: Array<[string, Record<string, string>]> = [
  ['<img>: Sec-Fetch-Site cross-site, no Origin', { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'image' }],
  ['same-site subdomain page', { 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Dest': 'script' }],
  ['foreign Referer only (old browser)', { Referer: 'http://evil.example/page.html' }],
  ['Origin: null (sandboxed iframe)', { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' }],
  ['foreign Origin on a form post', { Origin: 'http://evil.example', 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate' }],
];

describe('the route table', () => {
  test('every route declares one of the known effects, and the page and Foundry routes that act are not read', () => {
    const table = svc.routes;
    assert.ok(table.length >= 20, `only ${table.length} routes`);
    for (const r of table) assert.ok(['read', 'prepare', 'write'].includes(r.effect), `${r.method} ${r.path}: effect ${r.effect}`);
    const effect = (m: string, p: string) => table.find((r) => r.method === m && r.path === p)?.effect;
    assert.equal(effect('GET', '/openai/load/:name'), 'prepare');
    assert.equal(effect('GET', '/openai/unloadall'), 'write');
    assert.equal(effect('POST', '/web/models/:id/prepare'), 'prepare');
    assert.equal(effect('GET', '/web/models/:id/manifest'), 'read');
  });

  test('every state-changing route refuses each cross-site header shape with 403, and nothing happens', async () => {
    const acting = svc.routes.filter((r) => r.effect !== 'read');
    assert.ok(acting.length >= 7);
    for (const r of acting) {
      for (const [shape, headers] of CROSS_SITE) {
        for (const id of [MODEL_ID, 'twin-later']) {
          const body = r.method === 'GET' ? undefined : JSON.stringify({ model: id, name: id, messages: [{ role: 'user', content: 'x' }], docs: [{ source: 'a', text: 'b' }] });
          const res = await fetch(svc.url + concrete(r.path, id), { method: r.method, headers: { 'Content-Type': 'text/plain', ...headers }, body });
          const json = await res.json() as { error?: { code: string } };
          assert.equal(res.status, 403, `${r.method} ${r.path} (${id}), ${shape}: ${res.status} ${JSON.stringify(json)}`);
          assert.match(String(json.error?.code), /cross_site_refused|origin_not_allowed/);
        }
      }
    }
    assert.deepEqual(await preparing(), [], 'a refused request started a preparation');
    assert.deepEqual(await (await fetch(svc.url + '/openai/loadedmodels')).json(), [], 'a refused request loaded a model');
    assert.equal(cacheHasModels(), false, 'a refused request built a model');
  });

  test('read routes answer cross-site GETs but never download, build or load', async () => {
    for (const r of svc.routes.filter((x) => x.effect === 'read')) {
      for (const id of [LATER, 'no-such-model']) {
        const res = await fetch(svc.url + concrete(r.path, id), { headers: CROSS_SITE[0][1] });
        await res.arrayBuffer();
        assert.notEqual(res.status, 403, `${r.path} refused a read`);
        assert.ok(res.status < 500, `${r.path}: ${res.status}`);
      }
    }
    assert.deepEqual(await preparing(), [], 'a GET started a preparation');
    assert.equal(cacheHasModels(), false, 'a GET built a model');
    assert.deepEqual(await (await fetch(svc.url + '/openai/loadedmodels')).json(), []);
  });
});

describe('explicit preparation', () => {
  test('GET manifest/files of a model not on disk: 409 naming the POST and the CLI; the POST prepares it', async () => {
    const id = encodeURIComponent(LATER);
    for (const p of [`/web/models/${id}/manifest`, `/web/models/${id}/files/model.onnx`, `/web/models/twin-later/manifest`]) {
      const r = await fetch(svc.url + p); // no browser headers at all: still never prepares
      const j = await r.json() as { error: { code: string; message: string } };
      assert.equal(r.status, 409, p);
      assert.equal(j.error.code, 'model_not_prepared');
      assert.match(j.error.message, /POST \/web\/models\/.*\/prepare/);
      assert.match(j.error.message, /slmlab model download/);
    }
    assert.deepEqual(await preparing(), []);
    // The explicit POST (same-origin page or curl) starts the build; it is answered at once.
    let status = 0;
    for (let i = 0; i < 400 && status !== 200; i++) {
      const r = await fetch(svc.url + `/web/models/${id}/prepare`, { method: 'POST', headers: { 'Sec-Fetch-Site': 'same-origin' } });
      const j = await r.json() as { state: string };
      status = r.status;
      assert.ok(status === 200 || status === 202, `${status} ${JSON.stringify(j)}`);
      if (status === 202) { assert.ok(r.headers.get('retry-after')); await new Promise((res) => setTimeout(res, 50)); }
    }
    assert.equal(status, 200);
    const m = await fetch(svc.url + `/web/models/${id}/manifest`);
    assert.equal(m.status, 200);
    const list = await preparing() as Array<{ id: string; state: string }>;
    assert.deepEqual(list.map((p) => [p.id, p.state]), [[LATER, 'ready']]);
    // Unknown names: 404 from the POST, not a preparation.
    assert.equal((await fetch(svc.url + '/web/models/nope/prepare', { method: 'POST' })).status, 404);
  });

  test('the HTML pages are served only with their CSP: not at /web/static/*.html nor /web/assets/*.html', async () => {
    for (const p of ['/web/static/chat.html', '/web/static/inference.html', '/web/assets/chat.html', '/web/assets/inference.html']) {
      const r = await fetch(svc.url + p);
      await r.arrayBuffer();
      assert.equal(r.status, 404, p);
    }
    const page = await fetch(svc.url + '/browser');
    await page.arrayBuffer();
    assert.match(String(page.headers.get('content-security-policy')), /default-src 'self'/);
    assert.equal((await fetch(svc.url + '/web/static/style.css')).status, 200);
  });
});

test('`slmlab service start --no-auto-download` is accepted (the README promises it)', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'scripts', 'cli.js'), 'service', 'start', '--foreground', '--port', '0', '--no-auto-download'],
    { env: { ...process.env, SLMLAB_CACHE_DIR: path.join(root, 'cli-cache') }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  for (let i = 0; i < 300 && !/listening on/.test(err) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(err, /listening on http:\/\/127\.0\.0\.1:\d+/, err);
  child.kill('SIGTERM');
  assert.equal(await exit, 0, err);
});

test('startService alone serves no pages; routes handed down by the caller are served under the same cross-site rule', async () => {
  const bare = await startService({ registry: new CatalogRegistry({ catalog: parseCatalog(JSON.stringify({ version: 1, models: [] })), cache: { cacheDir: cacheDir(), env: {} } }), threads: 1, apiKey: '',
    routes: [{ method: 'POST', path: '/extra/:name', effect: 'write', handler: (_ctx, _req, res, params) => { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end(`hello ${params.name}`); } }] });
  try {
    for (const p of ['/chat', '/browser', '/web/models']) {
      const r = await fetch(bare.url + p);
      await r.arrayBuffer();
      assert.equal(r.status, 404, p);
    }
    assert.ok(!bare.routes.some((r) => r.path.startsWith('/web/')));
    assert.deepEqual(bare.routes.at(-1), { method: 'POST', path: '/extra/:name', effect: 'write' });
    const ok = await fetch(bare.url + '/extra/you', { method: 'POST' });
    assert.equal(await ok.text(), 'hello you');
    const refused = await fetch(bare.url + '/extra/you', { method: 'POST', headers: CROSS_SITE[0][1] });
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'cross_site_refused');
  } finally {
    await bare.close();
  }
});
