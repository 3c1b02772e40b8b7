/**
 * First use of a model that is not on disk yet, through the real service, the real catalog
 * registry, real builds and a real (loopback) Hub: the request starts the work in the
 * background, waits a bounded time, and gets a 503 with Retry-After and the progress if the
 * model is not ready; two requests never start two preparations; once ready, requests are served.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseCatalog } from '../lib/catalog';
import type { CatalogFile } from '../lib/catalog/types';
import { CatalogRegistry } from '../lib/registry/catalog-registry';
import { startService, type ServiceHandle } from '../lib/service/server';
import type { PreparationRecord } from '../lib/service/preparation';
import { HubServer, filesFromFolder } from './helpers/hub-server';
import { buildTiny, makeTempDir, removeTempDir } from './helpers/models';
import { clientFor, postRaw } from './helpers/service';

let root: string;
let hub: HubServer;
const services: ServiceHandle[] = [];

function catalog(): CatalogFile {
  const synthetic = (alias: string, seed: number) => ({
    alias, displayName: alias, family: 'test', publisher: 'slmlab', parameters: 107456, contextLength: 512, license: 'MIT',
    task: 'chat-completion', synthetic: true,
    variants: [{ id: `${alias}-generic-cpu:1`, device: 'CPU', provider: 'cpu', precision: 'int4', version: 1, sizeBytes: 190616,
      source: { kind: 'synthetic', shape: 'tiny', precision: 'int4', seed } }],
  });
  return parseCatalog(JSON.stringify({
    version: 1,
    models: [
      synthetic('twin-a', 11), synthetic('twin-b', 12),
      {
        alias: 'remote-tiny', displayName: 'remote tiny', family: 'test', publisher: 'test', parameters: 107456, contextLength: 512,
        license: 'MIT', task: 'chat-completion', synthetic: false,
        variants: [{ id: 'remote-tiny-generic-cpu:1', device: 'CPU', provider: 'cpu', precision: 'int4', version: 1, sizeBytes: null,
          source: { kind: 'huggingface', repo: 'test-org/remote-tiny', revision: 'main', subfolder: 'cpu', include: ['*'] } }],
      },
    ],
  }));
}

async function service(waitMs: number, autoDownload = true): Promise<ServiceHandle> {
  const registry = new CatalogRegistry({ catalog: catalog(), cache: { cacheDir: path.join(root, `cache-${services.length}`), env: { HF_ENDPOINT: hub.endpoint } } });
  const svc = await startService({ registry, threads: 1, apiKey: '', prepareWaitMs: waitMs, autoDownload });
  services.push(svc);
  return svc;
}

const chat = (svc: ServiceHandle, model: string) =>
  postRaw(svc.url + '/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }));

async function untilReady(svc: ServiceHandle, id: string): Promise<PreparationRecord[]> {
  for (let i = 0; i < 600; i++) {
    const list = await (await fetch(svc.url + '/slmlab/preparing')).json() as PreparationRecord[];
    const p = list.find((r) => r.id === id);
    if (p && p.state !== 'preparing') return list;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${id} never became ready`);
}

before(async () => {
  root = makeTempDir();
  const built = await buildTiny(root, 'remote', { precision: 'int4' });
  hub = await HubServer.start([{ id: 'test-org/remote-tiny', files: filesFromFolder(built.dir, 'cpu/') }]);
});

after(async () => {
  await Promise.all(services.map((s) => s.close()));
  await hub?.close();
  removeTempDir(root);
});

test('a twin that must be built answers 503 + Retry-After with progress, starts one build for two requests, then serves', async () => {
  const svc = await service(0);
  const [a, b] = await Promise.all([chat(svc, 'twin-a-generic-cpu:1'), chat(svc, 'twin-a-generic-cpu:1')]);
  for (const r of [a, b]) {
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'model_not_ready');
    assert.equal(r.json.error.type, 'server_error');
    assert.match(r.json.error.message, /\(twin-a-generic-cpu:1\) is being built \(a synthetic twin\): \d+\.\d% .*Retry after \d+ s/);
    assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);
  }
  const status = await (await fetch(svc.url + '/openai/status')).json() as { Preparing: PreparationRecord[] };
  assert.deepEqual(status.Preparing.map((p) => p.id), ['twin-a-generic-cpu:1'], 'one preparation, shown by /openai/status too');
  const list = await untilReady(svc, 'twin-a-generic-cpu:1');
  assert.equal(list.length, 1);
  assert.equal(list[0].state, 'ready');
  assert.equal(list[0].kind, 'build');

  const answer = await clientFor(svc).chat.completions.create({ model: 'twin-a', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
  assert.equal(answer.model, 'twin-a-generic-cpu:1');
  assert.ok((answer.usage?.completion_tokens ?? 0) >= 1);
});

test('a preparation that finishes within the wait is served by the same request', async () => {
  const svc = await service(60_000);
  const r = await chat(svc, 'twin-b');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.model, 'twin-b-generic-cpu:1');
});

test('a real model is downloaded in the background on first use, once, then served', async () => {
  const svc = await service(0);
  hub.resetLog();
  const [a, b] = await Promise.all([chat(svc, 'remote-tiny'), chat(svc, 'remote-tiny')]);
  assert.deepEqual([a.status, b.status], [503, 503]);
  assert.match(a.json.error.message, /is being downloaded: /);
  await untilReady(svc, 'remote-tiny-generic-cpu:1');
  const ok = await chat(svc, 'remote-tiny');
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  assert.equal(hub.requests(undefined, 'api').length, 1, 'the repo was listed once: one download');
});

test('with autoDownload off, a real model that is not downloaded is a 404 naming the command', async () => {
  const svc = await service(0, false);
  const r = await chat(svc, 'remote-tiny');
  assert.equal(r.status, 404);
  assert.match(r.json.error.message, /slmlab model download remote-tiny-generic-cpu:1/);
});
