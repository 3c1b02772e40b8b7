/**
 * Foundry Local's management routes (the legacy REST service of https://github.com/microsoft/Foundry-Local,
 * docs/service.md), so the Foundry SDKs' HTTP calls and workshop code work unchanged against slmlab:
 *
 *   GET  /foundry/list                       catalog entries (Foundry's field names)
 *   GET  /openai/models                      cached model ids
 *   POST /openai/download                    {model:{Name}} | {name}: progress lines, then {"Success":...}
 *   GET  /openai/load/:name?ep=&ttl=&unload= 200, empty body
 *   GET  /openai/unload/:name?force=&ep=     200, empty body
 *   GET  /openai/unloadall                   200, empty body
 *   GET  /openai/loadedmodels                ids of loaded models
 *   GET  /openai/status                      {Endpoints, ModelDirPath, PipeName, Preparing}
 * plus slmlab's own GET /slmlab/loaded: each loaded (model, provider) with its device, queue and TTL,
 * GET /slmlab/preparing: downloads and builds started by first use, with their progress,
 * GET /slmlab/instance: this service's instance token and pid (process-identity.ts),
 * and GET /slmlab/processes: the pids of this service and of each loaded model's engine process.
 */
import { parseProvider, type ProviderName } from '../engine/providers';
import type { Handler } from './context';
import { badRequest, toErrorResponse } from './errors';
import { readJson, sendEmpty, sendJson } from './http';
import type { RegistryEntry } from '../registry/model-registry';

const EP_CLASS: Record<ProviderName, string> = { cpu: 'CPUExecutionProvider', cuda: 'CUDAExecutionProvider', webgpu: 'WebGpuExecutionProvider' };

/** A registry entry in FoundryListResponseModel's field names (§3). */
function foundryItem(e: RegistryEntry) {
  const version = /:(\d+)$/.exec(e.id);
  return {
    name: e.id,
    displayName: e.displayName ?? e.id,
    modelType: 'ONNX',
    providerType: 'AzureFoundryLocal',
    uri: `slmlab://models/${encodeURIComponent(e.id)}`,
    version: version ? version[1] : '1',
    promptTemplate: e.promptTemplate ?? null,
    publisher: 'slmlab',
    task: e.task ?? 'chat-completion',
    runtime: { deviceType: e.device, executionProvider: EP_CLASS[e.provider] },
    fileSizeMb: e.sizeBytes ? Math.round(e.sizeBytes / 2 ** 20) : 0,
    modelSettings: { parameters: [] },
    alias: e.alias ?? e.id,
    supportsToolCalling: false,
    license: e.license ?? null,
    licenseDescription: null,
    parentModelUri: null,
    maxOutputTokens: e.contextLength ?? null,
    minFLVersion: null,
    // slmlab extras (Foundry clients ignore unknown fields)
    cached: e.cached,
    synthetic: e.synthetic,
    contextLength: e.contextLength ?? null,
  };
}

export const foundryList: Handler = async (ctx, _req, res) => {
  sendJson(res, 200, (await ctx.registry.list()).map(foundryItem));
};

export const cachedModels: Handler = async (ctx, _req, res) => {
  sendJson(res, 200, [...new Set((await ctx.registry.list()).filter((e) => e.cached).map((e) => e.id))]);
};

function epParam(query: URLSearchParams): ProviderName | undefined {
  const ep = query.get('ep');
  if (ep === null || ep === '') return undefined;
  try {
    return parseProvider(ep);
  } catch (e) {
    throw badRequest((e as Error).message, 'ep', 'unknown_provider');
  }
}

function boolParam(query: URLSearchParams, key: string): boolean | undefined {
  const v = query.get(key);
  if (v === null || v === '') return undefined;
  if (/^(true|1)$/i.test(v)) return true;
  if (/^(false|0)$/i.test(v)) return false;
  throw badRequest(`${key} must be true or false; got ${JSON.stringify(v)}`, key);
}

export const loadRoute: Handler = async (ctx, _req, res, params, query) => {
  const ttlText = query.get('ttl');
  let ttl: number | undefined;
  if (ttlText !== null && ttlText !== '') {
    ttl = Number(ttlText);
    if (!Number.isInteger(ttl) || ttl < 0) throw badRequest(`ttl must be a whole number of seconds >= 0; got ${JSON.stringify(ttlText)}`, 'ttl');
  }
  await ctx.manager.load(params.name, { ep: epParam(query), ttl, autoUnload: boolParam(query, 'unload') });
  sendEmpty(res);
};

export const unloadRoute: Handler = async (ctx, _req, res, params, query) => {
  await ctx.manager.unload(params.name, { ep: epParam(query), force: boolParam(query, 'force') });
  sendEmpty(res);
};

export const unloadAll: Handler = async (ctx, _req, res) => {
  await ctx.manager.unloadAll();
  sendEmpty(res);
};

export const loadedModels: Handler = (ctx, _req, res) => {
  sendJson(res, 200, [...new Set(ctx.manager.loaded().map((r) => r.id))]);
};

export const loadedDetail: Handler = (ctx, _req, res) => {
  sendJson(res, 200, ctx.manager.loaded());
};

/** slmlab's own, read-only: the pids serving models (this service's and each engine process's), for samplers of their memory and CPU time. */
export const processesRoute: Handler = (ctx, _req, res) => {
  sendJson(res, 200, ctx.manager.processes());
};

/** slmlab's own: which service instance this is (the daemon checks it before signalling a pid). */
export const instanceRoute: Handler = (ctx, _req, res) => {
  sendJson(res, 200, { instance: ctx.instance, pid: process.pid });
};

export const status: Handler = (ctx, _req, res) => {
  const dir = ctx.registry.modelDirPath ?? null;
  // The legacy SDK reads `modelDirPath`; the REST reference shows `ModelDirPath`: send both.
  sendJson(res, 200, { Endpoints: [ctx.url()], ModelDirPath: dir, PipeName: 'inference_agent', modelDirPath: dir, Preparing: ctx.preparations.list() });
};

/** slmlab's own: every download or build a request started, with its progress. */
export const preparing: Handler = (ctx, _req, res) => {
  sendJson(res, 200, ctx.preparations.list());
};

/**
 * Download with progress lines as the Foundry CLI prints them (`Total 42.50% Downloading
 * model.onnx_data`), then one JSON line `{"Success":true,"ErrorMessage":null}`, which the
 * legacy JS SDK parses. A failure before the first line gets its HTTP status and a body that
 * is both shapes: Foundry's Success/ErrorMessage and OpenAI's error object.
 */
export const download: Handler = async (ctx, req, res) => {
  const body = await readJson(req, ctx.maxBodyBytes);
  const b = (body ?? {}) as Record<string, unknown>;
  const m = b.model;
  const name = typeof m === 'string' ? m
    : m && typeof m === 'object' && typeof (m as Record<string, unknown>).Name === 'string' ? (m as Record<string, unknown>).Name as string
      : typeof b.name === 'string' ? b.name : '';
  if (!name.trim()) throw badRequest('name the model to download: {"model": {"Name": "<id>"}} or {"name": "<id>"}', 'model.Name');

  const ac = new AbortController();
  const onClose = () => { if (!res.writableFinished) ac.abort(); };
  res.on('close', onClose);
  let lastLine = '';
  const line = (text: string) => {
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.write(text + '\n');
  };
  try {
    await ctx.registry.download(name, {
      signal: ac.signal,
      onProgress: (p) => {
        const text = `Total ${(p.fraction * 100).toFixed(2)}% Downloading ${p.file}`;
        if (text !== lastLine) { lastLine = text; line(text); }
      },
    });
    line(JSON.stringify({ Success: true, ErrorMessage: null }));
    res.end();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (res.headersSent) {
      line(JSON.stringify({ Success: false, ErrorMessage: message }));
      res.end();
      return;
    }
    const { status: code, body: err, headers } = toErrorResponse(e);
    sendJson(res, code, { Success: false, ErrorMessage: message, ...err }, headers);
  } finally {
    res.off('close', onClose);
  }
};
