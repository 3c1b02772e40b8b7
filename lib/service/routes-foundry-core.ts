/**
 * Foundry Local's routes as its C++ Core serves them today (github.com/microsoft/Foundry-Local,
 * sdk_v2/cpp/src/service/web_service.cc and models_handlers.cc), beside the legacy /openai/*
 * ones in routes-foundry.ts. The JS SDK 1.x with `serviceEndpoint` set calls the three /models/*
 * routes (sdk_v2/js/src/detail/modelLoadManager.ts):
 *
 *   GET  /status               {modelCachePath, endpoints, pid}
 *   GET  /models/loaded        ["<id>", ...]
 *   GET  /models/load/:name    {"status": "loaded" | "already_loaded"}
 *   GET  /models/unload/:name  {"status": "unloaded" | "not_loaded"}; 404 for an unknown name
 *   POST /shutdown             {"status": "shutting_down"}, then the service stops
 *
 * One difference, on purpose: Foundry answers 400 "Model not cached" for a model that is not on
 * disk; slmlab downloads or builds it (503 + Retry-After while that runs), as on every route.
 */
import type { Handler, ServiceContext } from './context';
import { ServiceError } from './errors';
import { sendJson } from './http';

export const coreStatus: Handler = (ctx, _req, res) => {
  sendJson(res, 200, { modelCachePath: ctx.registry.modelDirPath ?? null, endpoints: [ctx.url()], pid: process.pid });
};

export const modelsLoaded: Handler = (ctx, _req, res) => {
  sendJson(res, 200, [...new Set(ctx.manager.loaded().map((r) => r.id))]);
};

export const modelsLoad: Handler = async (ctx, _req, res, params) => {
  const before = new Set(ctx.manager.loaded().filter((r) => r.state === 'ready').map((r) => r.id));
  const record = await ctx.manager.load(params.name);
  sendJson(res, 200, { status: before.has(record.id) ? 'already_loaded' : 'loaded' });
};

/** True when `name` is an id or alias the registry knows (case-insensitive, as the manager matches). */
export async function isKnownModel(ctx: ServiceContext, name: string): Promise<boolean> {
  const lower = name.toLowerCase();
  return (await ctx.registry.list()).some((e) => e.id.toLowerCase() === lower || e.alias?.toLowerCase() === lower);
}

export const modelsUnload: Handler = async (ctx, _req, res, params) => {
  const ids = await ctx.manager.unload(params.name);
  if (!ids.length && !(await isKnownModel(ctx, params.name))) {
    throw new ServiceError(404, 'model_not_found', `no model matching '${params.name}': see GET /v1/models or GET /foundry/list`, 'name');
  }
  sendJson(res, 200, { status: ids.length ? 'unloaded' : 'not_loaded' });
};

export const shutdownRoute: Handler = (ctx, _req, res) => {
  sendJson(res, 200, { status: 'shutting_down' });
  // After the answer has left: stopping closes every connection, this one included.
  res.once('finish', () => setImmediate(() => ctx.requestShutdown()));
};
