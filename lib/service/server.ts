/**
 * The local service: OpenAI-compatible routes plus Foundry Local's management routes on plain
 * node:http, so the same client code runs against slmlab and a real Foundry Local.
 *
 *   const svc = await startService({ registry: new FolderRegistry({ tiny: '/models/tiny' }) });
 *   const client = new OpenAI({ baseURL: svc.url + '/v1', apiKey: 'unused' });
 *   ...
 *   await svc.close();
 *
 * Binds 127.0.0.1 on a free port by default (svc.url says which). The pages (lib/web/) are not
 * this module's: a caller hands them in as `routes`; startServiceWithPages (lib/app/start-service.ts)
 * is the service as `slmlab service start` runs it. Every failure is answered
 * in OpenAI's error shape with its HTTP status, and the server keeps serving.
 */
import type { PrefillWeights } from '../engine/int8-prefill';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Handler, type ServiceContext, type ServiceLogger } from './context';
import { ServiceStartError } from '../errors';
import { onClientError, onConnect } from './client-error';
import { discardBody } from './discard-body';
import { watchHalfClose } from './half-close';
import { badRequest, methodNotAllowed, payloadTooLarge, routeNotFound, ServiceError } from './errors';
import { sendError } from './http';
import { ModelManager } from './model-manager';
import { PreparingRegistry } from './preparation';
import type { ModelRegistry } from '../registry/model-registry';
import * as foundry from './routes-foundry';
import * as openai from './routes-openai';
import * as core from './routes-foundry-core';
import * as responses from './routes-responses';
import * as unsupported from './routes-unsupported';
import * as embeddings from './routes-embeddings';
import { EmbedderPool } from './embedders';
import { ResponseStore } from './response-store';
import { changesState, readOnlyContext, type RouteEffect, type RouteSpec } from './route-table';
import { checkApiKey, checkBinding, checkCrossSite, checkOrigin, corsHeaders, isAllowedOrigin, isLoopback, preflightHeaders } from './security';
import { envValue } from '../environment';

export interface ServiceOptions {
  registry: ModelRegistry;
  /** Default 127.0.0.1. Any non-loopback host needs an API key. */
  host?: string;
  /** Default 0: a free port chosen by the OS (read it from the returned `port` / `url`). */
  port?: number;
  /** Required as `Authorization: Bearer <key>` when set. Default: SLMLAB_API_KEY, if set. */
  apiKey?: string;
  /** Seconds a model stays loaded after its last request (default 600; 0 = until unloaded). */
  ttlSeconds?: number;
  /** Requests that may wait behind the running one, per loaded model (default 16); more get 429. */
  maxQueue?: number;
  /** Largest request body accepted (default 1 MiB); more gets 413. */
  maxBodyBytes?: number;
  /** ONNX Runtime intra-op threads per loaded model (default 0: ORT's choice). */
  threads?: number;
  /** Requests decoded together per loaded model (continuous batching; default 8, 1 = one at a time). */
  maxBatch?: number;
  /** Longest prefill run for one prompt (tokens; default 128, 0 = whole prompts): ManagerOptions.prefillChunk. */
  prefillChunk?: number;
  /** Last-position logits (default true): ManagerOptions.lastPositionLogits. */
  lastPositionLogits?: boolean;
  /** Which weights prefill runs with (default 'model'): ManagerOptions.prefillWeights. */
  prefillWeights?: PrefillWeights;
  logger?: ServiceLogger;
  /**
   * A request for a model that must first be downloaded or built starts that in the background
   * and waits this long (default 5000 ms) before answering 503 + Retry-After with the progress.
   */
  prepareWaitMs?: number;
  /** Start downloads of real models on a request's first use (default true); synthetic builds always start. */
  autoDownload?: boolean;
  /** An engine process that answers no heartbeat this long is killed and its requests get 503 (default 10 s; SLMLAB_ENGINE_FROZEN_MS). */
  engineFrozenAfterMs?: number;
  /** The token GET /slmlab/instance answers (default: a random one); the daemon's state file records it. */
  instance?: string;
  /** What POST /shutdown does (default: close this service; the service process also exits). */
  onShutdownRequest?: () => void;
  /** Responses the Responses API keeps for GET /v1/responses/:id and previous_response_id (default 20, oldest dropped first). */
  storedResponses?: number;
  /**
   * More routes, handed down by the caller and served after the service's own, under the same
   * rules: each declares its effect (route-table.ts), so every one but `read` refuses cross-site
   * requests. The pages (lib/web/routes.ts) come this way: lib/app/start-service.ts adds them.
   */
  routes?: readonly RouteSpec[];
}

export interface ServiceHandle {
  /** Base URL, e.g. http://127.0.0.1:40123; OpenAI clients use url + '/v1'. */
  url: string;
  host: string;
  port: number;
  manager: ModelManager;
  /** An engine process that answers no heartbeat this long is killed and its requests get 503 (default 10 s; SLMLAB_ENGINE_FROZEN_MS). */
  engineFrozenAfterMs?: number;
  /** The token GET /slmlab/instance answers. */
  instance: string;
  /** The routes this service serves, as declared (method, path, effect): what test/route-effects.test.ts walks. */
  routes: Array<Pick<RouteSpec, 'method' | 'path' | 'effect'>>;
  /** Stops accepting, aborts running generations, disposes every model. */
  close(): Promise<void>;
}

interface Route extends RouteSpec { pattern: RegExp; keys: string[] }

/**
 * A route, with its effect (route-table.ts): `read` routes are open to any page and run with a
 * read-only view of the service; every other effect refuses requests a browser marks as
 * cross-site (security.ts, checkCrossSite), whatever the method.
 */
function route(method: string, path: string, handler: Handler, effect: RouteEffect): Route {
  const keys: string[] = [];
  const source = path.replace(/:(\w+)/g, (_, k: string) => { keys.push(k); return '([^/]+)'; });
  return { method, path, pattern: new RegExp(`^${source}$`), keys, handler, effect };
}

const OWN_ROUTES: Route[] = [
  route('GET', '/v1/models', openai.listModels, 'read'),
  route('GET', '/v1/models/:id', openai.getModel, 'read'),
  route('POST', '/v1/chat/completions', openai.chatCompletions, 'prepare'),
  route('GET', '/foundry/list', foundry.foundryList, 'read'),
  route('GET', '/openai/models', foundry.cachedModels, 'read'),
  route('POST', '/openai/download', foundry.download, 'prepare'),
  route('GET', '/openai/load/:name', foundry.loadRoute, 'prepare'),
  route('GET', '/openai/unload/:name', foundry.unloadRoute, 'write'),
  route('GET', '/openai/unloadall', foundry.unloadAll, 'write'),
  route('GET', '/openai/loadedmodels', foundry.loadedModels, 'read'),
  route('GET', '/openai/status', foundry.status, 'read'),
  route('GET', '/slmlab/loaded', foundry.loadedDetail, 'read'),
  route('GET', '/slmlab/preparing', foundry.preparing, 'read'),
  route('GET', '/slmlab/instance', foundry.instanceRoute, 'read'),
  route('GET', '/slmlab/processes', foundry.processesRoute, 'read'),
  // Foundry Local's routes as its Core serves them today (routes-foundry-core.ts) and the Responses API.
  route('GET', '/status', core.coreStatus, 'read'),
  route('GET', '/models/loaded', core.modelsLoaded, 'read'),
  route('GET', '/models/load/:name', core.modelsLoad, 'prepare'),
  route('GET', '/models/unload/:name', core.modelsUnload, 'write'),
  route('POST', '/shutdown', core.shutdownRoute, 'write'),
  route('POST', '/v1/responses', responses.createResponse, 'prepare'),
  route('GET', '/v1/responses', responses.listResponses, 'read'),
  route('GET', '/v1/responses/:id', responses.getResponse, 'read'),
  route('DELETE', '/v1/responses/:id', responses.deleteResponse, 'write'),
  route('GET', '/v1/responses/:id/input_items', responses.inputItems, 'read'),
  route('POST', '/v1/embeddings', embeddings.embeddings, 'prepare'),
  // Changes nothing (it answers "not supported"), but a POST is never taken from another site.
  route('POST', '/v1/audio/transcriptions', unsupported.audioTranscriptions, 'write'),
];

/** The service's own routes, then the caller's (ServiceOptions.routes). */
function routesWith(extra: readonly RouteSpec[] = []): Route[] {
  return [...OWN_ROUTES, ...extra.map((r) => route(r.method, r.path, r.handler, r.effect))];
}

/** The route table as declared (method, path, effect), with `extra` routes after the service's own. */
export function routeTable(extra: readonly RouteSpec[] = []): Array<Pick<RouteSpec, 'method' | 'path' | 'effect'>> {
  return routesWith(extra).map((r) => ({ method: r.method, path: r.path, effect: r.effect }));
}

/** The URL a local client should use for a bound address. */
function urlFor(host: string, port: number): string {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

export async function startService(options: ServiceOptions): Promise<ServiceHandle> {
  const host = options.host ?? '127.0.0.1';
  const apiKey = options.apiKey ?? (envValue('SLMLAB_API_KEY') || undefined);
  checkBinding(host, apiKey);
  const logger = options.logger ?? silentLogger;
  const registry = new PreparingRegistry(options.registry, { waitMs: options.prepareWaitMs, autoDownload: options.autoDownload });
  const manager = new ModelManager({ registry, ttlSeconds: options.ttlSeconds, maxQueue: options.maxQueue, threads: options.threads, maxBatch: options.maxBatch,
    prefillChunk: options.prefillChunk, lastPositionLogits: options.lastPositionLogits, prefillWeights: options.prefillWeights, frozenAfterMs: options.engineFrozenAfterMs });
  const shutdown = new AbortController();
  setMaxListeners(0, shutdown.signal); // every running request listens to it
  let url = '';
  let close: () => Promise<void> = async () => undefined;
  const ctx: ServiceContext = {
    manager, registry, preparations: registry.preparations, logger, url: () => url,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024, startedAt: Math.floor(Date.now() / 1000), shutdown: shutdown.signal,
    instance: options.instance ?? randomUUID(), key: {},
    requestShutdown: () => { if (options.onShutdownRequest) options.onShutdownRequest(); else void close(); },
    responses: new ResponseStore(options.storedResponses),
    embedders: new EmbedderPool(options.threads),
  };
  const loopbackBind = isLoopback(host);
  const routes = routesWith(options.routes);

  // requireHostHeader: false, so that a request without Host gets an OpenAI-shaped 400 from dispatch().
  const server = http.createServer({ keepAliveTimeout: 5000, requireHostHeader: false }, (req, res) => {
    const started = performance.now();
    watchHalfClose(req, res);
    res.once('close', () => {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      logger.info('request', { method: req.method, path: req.url, status: res.statusCode, ms, finished: res.writableFinished });
    });
    void dispatch(ctx, routes, req, res, { apiKey, loopbackBind }).catch(async (e: unknown) => {
      // An early answer (413, 401, 403, 404…) waits until the body is read, so the client gets it.
      if (!res.headersSent) await discardBody(req);
      const status = sendError(res, e);
      if (status >= 500) logger.error('request failed', { method: req.method, path: req.url, status, error: e instanceof Error ? e.message : String(e) });
    });
  });

  // A client that half-closes after sending its request (shutdown(SHUT_WR), `curl --no-buffer` over
  // some proxies, netcat) still gets its answer: Node's server otherwise treats the FIN as the
  // client leaving and aborts the request (issue 21). A client that really leaves closes the socket,
  // which still aborts it. httpAllowHalfOpen is read by node:http's socketOnEnd (lib/_http_server.js).
  (server as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  server.on('clientError', onClientError);
  server.on('connect', onConnect);
  // An Expect other than 100-continue: 417, with an OpenAI-shaped body (Node's default has none).
  server.on('checkExpectation', (req, res) => {
    res.shouldKeepAlive = false;
    sendError(res, new ServiceError(417, 'bad_http_request', `Expect: ${String(req.headers.expect)} is not supported: send the request without it (or with Expect: 100-continue)`));
  });
  // Expect: 100-continue with a body over the limit: answer 413 at once, so the body is never sent.
  server.on('checkContinue', (req, res) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > ctx.maxBodyBytes) {
      res.shouldKeepAlive = false;
      sendError(res, payloadTooLarge(ctx.maxBodyBytes));
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new ServiceStartError(`port ${options.port} on ${host} is in use: choose another port, or port 0 for a free one`));
      else if (e.code === 'EADDRNOTAVAIL') reject(new ServiceStartError(`cannot bind ${host}: it is not an address of this machine (use 127.0.0.1 or 0.0.0.0)`));
      else if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') reject(new ServiceStartError(`cannot bind ${host}: the name does not resolve to an address of this machine (use 127.0.0.1 or 0.0.0.0)`));
      else if (e.code === 'EACCES') reject(new ServiceStartError(`port ${options.port} on ${host} needs more privileges: choose a port above 1023, or port 0 for a free one`));
      else reject(new ServiceStartError(`cannot listen on ${host}:${options.port} (${e.code ?? e.message}): choose another --host or --port`, { cause: e }));
    };
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => { server.off('error', onError); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  url = urlFor(host, port);
  logger.info('listening', { url, host, port, auth: !!apiKey });

  let closing: Promise<void> | null = null;
  close = () => {
    closing ??= (async () => {
      shutdown.abort();
      const closed = new Promise<void>((r) => server.close(() => r()));
      // Aborted responses end over the next moments and leave keep-alive connections idle:
      // close those as they appear; after a grace period, close whatever is left.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 20);
      await manager.close();
      await ctx.embedders.close();
      const grace = setTimeout(() => server.closeAllConnections(), 2000);
      await closed;
      clearInterval(sweep);
      clearTimeout(grace);
      logger.info('stopped', { url });
    })();
    return closing;
  };
  return { url, host, port, manager, instance: ctx.instance, routes: routes.map((r) => ({ method: r.method, path: r.path, effect: r.effect })), close };
}

async function dispatch(ctx: ServiceContext, routes: readonly Route[], req: http.IncomingMessage, res: http.ServerResponse, sec: { apiKey?: string; loopbackBind: boolean }): Promise<void> {
  const method = req.method ?? 'GET';
  let pathname: string;
  let query: URLSearchParams;
  try {
    const u = new URL(req.url ?? '/', 'http://localhost');
    pathname = u.pathname.length > 1 ? u.pathname.replace(/\/+$/, '') : u.pathname;
    query = u.searchParams;
  } catch {
    throw badRequest(`cannot parse the request target ${JSON.stringify(req.url)}`);
  }

  if (req.httpVersion === '1.1' && req.headers.host === undefined) {
    throw badRequest('the request has no Host header: HTTP/1.1 requires one (e.g. Host: 127.0.0.1:<port>)', null, 'bad_http_request');
  }
  checkOrigin(req, sec.loopbackBind);
  const origin = req.headers.origin;
  if (origin !== undefined && isAllowedOrigin(origin)) for (const [k, v] of Object.entries(corsHeaders(origin))) res.setHeader(k, v);

  if (method === 'OPTIONS') {
    const headers = origin !== undefined ? preflightHeaders(origin, req) : { Allow: 'GET, POST, DELETE, OPTIONS' };
    res.writeHead(204, headers);
    res.end();
    return;
  }
  checkApiKey(req, sec.apiKey);

  const matches = routes.filter((r) => r.pattern.test(pathname));
  if (!matches.length) throw routeNotFound(method, pathname);
  const hit = matches.find((r) => r.method === method);
  if (!hit) throw methodNotAllowed(method, pathname, [...new Set(matches.map((r) => r.method))]);
  if (changesState(hit.effect)) checkCrossSite(req);
  const m = hit.pattern.exec(pathname)!;
  const params: Record<string, string> = {};
  hit.keys.forEach((k, i) => {
    try {
      params[k] = decodeURIComponent(m[i + 1]);
    } catch {
      throw badRequest(`the ${k} in the path is not valid percent-encoding: ${m[i + 1]}`, k);
    }
  });
  await hit.handler(hit.effect === 'read' ? readOnlyContext(ctx) : ctx, req, res, params, query);
}

