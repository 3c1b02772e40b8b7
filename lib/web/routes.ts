/**
 * Session 4's pages on the slmlab service, mounted by lib/service/server.ts:
 *
 *   GET  /chat                         the RAG chat page (?model=<id>&docs=<docset id>)
 *   GET  /browser                      the in-browser inference page (?model=<id>)
 *   GET  /web/static/:name             the pages' HTML/CSS, from a fixed list
 *   GET  /web/assets/:name             the pages' scripts, bundled by esbuild (bundle.ts)
 *   GET  /web/ort/:name                onnxruntime-web's runtime files, from node_modules
 *   GET  /web/models                   the models the service can serve, with their synthetic flag
 *   GET  /web/models/:id/manifest      what the browser needs to run a cached model (browser-model.ts)
 *   GET  /web/models/:id/files/:name   one file of that manifest, by model id and file name only
 *   POST /web/models/build-int8        builds the int8 twin of {shape} for the WASM backend (int8-build.ts)
 *   POST /web/models/:id/prepare       starts that model's download or build (a GET never does): 200 ready, 202 preparing
 *   GET  /web/chat/docsets/:id         a document set ('workshop' is built in)
 *   POST /web/chat/docsets             stores {docs: [{source, text}]}, answers 201 {id}
 */
import * as path from 'node:path';
import type { Handler, ServiceContext } from '../service/context';
import { readJson, sendJson } from '../service/http';
import { InvalidRequestError } from '../errors';
import { notFound, ortFile, pageFile, sendFile, sendText, staticFile } from './assets';
import { browserManifest } from './browser-model';
import { BUNDLES, bundle } from './bundle';
import { DocsetStore } from './docsets';
import { buildInt8 } from './int8-build';
import { assetHeaders, pageHeaders } from './headers';
import type { RouteEffect } from '../service/route-table';
import { ServiceError } from '../service/errors';
import { OutsideFolderError, resolveInside } from '../util/inside-folder';

/** A page route; its effect decides its guard (lib/service/route-table.ts). */
export interface WebRoute { method: 'GET' | 'POST'; path: string; handler: Handler; effect: RouteEffect }

// One document store per running service.
const docsets = new WeakMap<object, DocsetStore>();
const docsetsOf = (ctx: ServiceContext) => {
  let s = docsets.get(ctx.key);
  if (!s) docsets.set(ctx.key, (s = new DocsetStore()));
  return s;
};

const page = (file: string, kind: 'chat' | 'inference'): Handler => (_ctx, _req, res) => sendFile(res, pageFile(file), pageHeaders(kind));

const asset: Handler = async (_ctx, _req, res, params) => {
  if (!Object.prototype.hasOwnProperty.call(BUNDLES, params.name)) {
    await sendFile(res, staticFile(params.name));
    return;
  }
  const js = await bundle(params.name);
  // A worker script's own headers set its CSP and isolation (it is a document of its own).
  const headers = params.name.endsWith('worker.js') ? pageHeaders('inference') : assetHeaders();
  sendText(res, js, 'text/javascript; charset=utf-8', headers);
};

const models: Handler = async (ctx, _req, res) => {
  const list = await ctx.registry.list();
  sendJson(res, 200, {
    data: list.map((e) => ({ id: e.id, alias: e.alias ?? null, synthetic: e.synthetic, cached: e.cached, size_bytes: e.sizeBytes ?? null, provider: e.provider })),
  }, assetHeaders());
};

/** A cached model's manifest; a model not on disk gets 409 (a GET never downloads or builds). */
async function manifestOf(ctx: ServiceContext, name: string) {
  const resolved = await ctx.registry.resolveReady(name);
  return { manifest: browserManifest(resolved.id, resolved.dir), dir: path.resolve(resolved.dir) };
}

const manifest: Handler = async (ctx, _req, res, params) => {
  sendJson(res, 200, (await manifestOf(ctx, params.id)).manifest, assetHeaders());
};

const modelFile: Handler = async (ctx, _req, res, params) => {
  const { manifest: m, dir } = await manifestOf(ctx, params.id);
  const file = m.files.find((f) => f.name === params.name);
  if (!file) throw notFound(`file '${params.name}' of model ${m.id} (see /web/models/${encodeURIComponent(m.id)}/manifest)`);
  if (m.refused) throw new InvalidRequestError(m.refused, 'model');
  // The file's real path must lie in the model's folder: a link out is refused (util/inside-folder.ts).
  let real: string;
  try {
    real = resolveInside(dir, file.name.split('/').join(path.sep));
  } catch (e) {
    throw e instanceof OutsideFolderError ? new ServiceError(403, 'model_invalid', `${e.message}; the service does not serve it`, 'name') : e;
  }
  await sendFile(res, real, { 'Content-Type': 'application/octet-stream' });
};

/** Starts (or joins) a model's download or build: 200 when it is ready, 202 + Retry-After while it runs. */
const prepare: Handler = async (ctx, _req, res, params) => {
  const a = await ctx.registry.prepare(params.id);
  if (a.state === 'ready') { sendJson(res, 200, { id: a.id, state: 'ready' }); return; }
  if (a.state === 'failed') { sendJson(res, 502, { id: a.id, state: 'failed', preparation: a.record, error: { message: `preparing ${a.id} failed: ${a.record.error}. POST again to retry`, type: 'server_error', param: 'model', code: 'model_preparation_failed' } }); return; }
  sendJson(res, 202, { id: a.id, state: a.state, preparation: a.record }, { 'Retry-After': String(a.retryAfter) });
};

const getDocset: Handler = (ctx, _req, res, params) => {
  const docs = docsetsOf(ctx).get(params.id);
  if (!docs) throw notFound(`document set '${params.id}' (sets live in the service's memory: run \`slmlab chat --docs …\` again after a restart)`);
  sendJson(res, 200, { id: params.id, docs }, assetHeaders());
};

const postDocset: Handler = async (ctx, req, res) => {
  const body = await readJson(req, ctx.maxBodyBytes) as { docs?: unknown } | null;
  const id = docsetsOf(ctx).add(body && typeof body === 'object' ? body.docs : undefined);
  sendJson(res, 201, { id, url: `${ctx.url()}/chat?docs=${encodeURIComponent(id)}` });
};

export const WEB_ROUTES: readonly WebRoute[] = Object.freeze([
  { method: 'GET', path: '/chat', handler: page('chat.html', 'chat'), effect: 'read' },
  { method: 'GET', path: '/browser', handler: page('inference.html', 'inference'), effect: 'read' },
  { method: 'GET', path: '/web/static/:name', handler: (_c, _q, res, p) => sendFile(res, staticFile(p.name)), effect: 'read' },
  { method: 'GET', path: '/web/assets/:name', handler: asset, effect: 'read' },
  // ORT's .mjs also starts its WASM threads as workers: it needs a worker's own headers too.
  { method: 'GET', path: '/web/ort/:name', handler: (_c, _q, res, p) => sendFile(res, ortFile(p.name), pageHeaders('inference')), effect: 'read' },
  { method: 'GET', path: '/web/models', handler: models, effect: 'read' },
  { method: 'GET', path: '/web/models/:id/manifest', handler: manifest, effect: 'read' },
  { method: 'GET', path: '/web/models/:id/files/:name', handler: modelFile, effect: 'read' },
  { method: 'POST', path: '/web/models/:id/prepare', handler: prepare, effect: 'prepare' },
  { method: 'POST', path: '/web/models/build-int8', handler: buildInt8, effect: 'prepare' },
  { method: 'GET', path: '/web/chat/docsets/:id', handler: getDocset, effect: 'read' },
  { method: 'POST', path: '/web/chat/docsets', handler: postDocset, effect: 'write' },
] satisfies WebRoute[]);
