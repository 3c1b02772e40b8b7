/**
 * The service process: `node dist/lib/service/main.js --foreground [options]`. The CLI's
 * `slmlab service start --foreground` calls runServiceMain(); `slmlab service start` (daemon.ts)
 * spawns this file detached. It serves until SIGTERM or SIGINT, writes <cacheDir>/service.json
 * once it listens and removes it when it stops.
 *
 * Options (flags win over environment variables):
 *   --host H            SLMLAB_HOST       default 127.0.0.1 (others need SLMLAB_API_KEY)
 *   --port N            SLMLAB_PORT       default 0: a free port, written to service.json
 *   --ttl SECONDS       SLMLAB_TTL        default 600 (0: keep models loaded)
 *   --max-queue N       SLMLAB_MAX_QUEUE  default 16
 *   --max-body-bytes N                    default 1048576
 *   --threads N         SLMLAB_THREADS    ONNX Runtime intra-op threads per model (default 0: ORT's)
 *   --max-batch N       SLMLAB_MAX_BATCH  requests decoded together per model (default 8; 1 = one at a time)
 *   --stored-responses N SLMLAB_STORED_RESPONSES  Responses API responses kept in memory (default 20; 0 = none)
 *   --prefill-chunk N   SLMLAB_PREFILL_CHUNK  longest prefill run for one prompt, in tokens (default 128; 0 = whole prompts)
 *   --logits last|all   SLMLAB_LOGITS     last (default): logits for the last position only; all: the model's own graph
 *   --prefill-weights model|int8          model (default); int8: prefill on an int8 copy of the int4 weights (opt-in, changes the logits)
 *   --model NAME=DIR    (repeatable)      serve a model folder under NAME
 *   --models-dir DIR    (repeatable)      serve every model folder under DIR
 *                                         (with neither: the catalog and the cache, as `slmlab model list` sees them)
 *   --state-file FILE                     default <cacheDir>/service.json; --no-state-file to skip
 *   --log-file FILE                       recorded in service.json (the daemon redirects output there)
 * The API key is read from SLMLAB_API_KEY only, so it never shows in a process list.
 */
import type { PrefillWeights } from '../engine/int8-prefill';
import { randomUUID } from 'node:crypto';
import { walkArgs } from '../util/argv';
import { isRecordedService, processStartTime } from './process-identity';
import { SlmlabError, UsageError } from '../errors';
import { fromSystemError } from '../system-errors';
import { DEFAULT_MAX_BATCH, MAX_BATCH_LIMIT } from '../engine/engine';
import { DEFAULT_SERVICE_PREFILL_CHUNK } from './model-manager';
import * as path from 'node:path';
import { cacheDir } from '../cache/location';
import { CatalogRegistry } from '../registry/catalog-registry';
import { jsonLogger } from './context';
import { DEFAULT_STORED_RESPONSES } from './response-store';
import { FolderRegistry } from './folder-registry';
import type { ModelRegistry } from '../registry/model-registry';
import { startService, type ServiceHandle } from './server';
import { readState, removeState, stateFilePath, writeState } from './state-file';
import { envValue, type EnvName } from '../environment';

export interface MainOptions {
  host: string;
  port: number;
  ttlSeconds: number;
  maxQueue: number;
  maxBodyBytes: number;
  threads: number;
  maxBatch: number;
  /** Responses the Responses API keeps in memory (oldest dropped first). */
  storedResponses: number;
  prefillChunk: number;
  /** True unless --logits all: the last-position-logits rewrite (docs/prefill-and-batching.md). */
  lastPositionLogits: boolean;
  /** --prefill-weights: 'int8' prefills on an int8 copy of the weights (lib/engine/int8-prefill.ts). */
  prefillWeights: PrefillWeights;
  models: Record<string, string>;
  modelsDirs: string[];
  stateFile: string | null;
  logFile: string | null;
  /** Milliseconds a request waits for a model being downloaded or built before its 503 (SLMLAB_PREPARE_WAIT_MS). */
  prepareWaitMs: number;
  /** Download real models on a request's first use (--no-auto-download turns it off). */
  autoDownload: boolean;
}

/** Bad options for the service process (exit 2). The project's UsageError, re-exported for callers of this module. */
export { UsageError };

function int(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || v === '' || !Number.isInteger(n) || n < min) throw new UsageError(`${name} needs a whole number >= ${min}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
  return n;
}

function logitsMode(name: string, v: string | undefined): boolean {
  if (v === 'last' || v === 'all') return v === 'last';
  throw new UsageError(`${name} is 'last' (logits for the last position only, the default) or 'all' (the model's own graph), got ${JSON.stringify(v ?? '')}`);
}

function batchSize(name: string, v: string | undefined): number {
  const n = int(name, v, 1);
  if (n > MAX_BATCH_LIMIT) throw new UsageError(`${name} is at most ${MAX_BATCH_LIMIT}, got ${n}`);
  return n;
}

export function parseServiceArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): MainOptions {
  // a variable set (not empty) is parsed and checked like its flag; unset or empty: the default
  const intEnv = (name: EnvName, fallback: number): number => { const v = envValue(name, env); return v ? int(name, v, 0) : fallback; };
  const o: MainOptions = {
    host: envValue('SLMLAB_HOST', env) || '127.0.0.1',
    port: intEnv('SLMLAB_PORT', 0),
    ttlSeconds: intEnv('SLMLAB_TTL', 600),
    maxQueue: intEnv('SLMLAB_MAX_QUEUE', 16),
    maxBodyBytes: 1024 * 1024,
    threads: intEnv('SLMLAB_THREADS', 0),
    maxBatch: envValue('SLMLAB_MAX_BATCH', env) ? batchSize('SLMLAB_MAX_BATCH', envValue('SLMLAB_MAX_BATCH', env)) : DEFAULT_MAX_BATCH,
    storedResponses: intEnv('SLMLAB_STORED_RESPONSES', DEFAULT_STORED_RESPONSES),
    prefillChunk: intEnv('SLMLAB_PREFILL_CHUNK', DEFAULT_SERVICE_PREFILL_CHUNK),
    lastPositionLogits: envValue('SLMLAB_LOGITS', env) ? logitsMode('SLMLAB_LOGITS', envValue('SLMLAB_LOGITS', env)) : true,
    prefillWeights: 'model',
    models: {},
    modelsDirs: [],
    stateFile: stateFilePath(cacheDir(env)),
    logFile: null,
    prepareWaitMs: intEnv('SLMLAB_PREPARE_WAIT_MS', 5000),
    autoDownload: true,
  };
  const usage = (msg: string): never => { throw new UsageError(msg); };
  walkArgs(argv, (flag, value, a) => {
    switch (flag) {
      case '--foreground': break; // this process always serves in the foreground
      case '--host': o.host = value(); break;
      case '--port': o.port = int(flag, value(), 0); break;
      case '--ttl': o.ttlSeconds = int(flag, value(), 0); break;
      case '--max-queue': o.maxQueue = int(flag, value(), 0); break;
      case '--max-body-bytes': o.maxBodyBytes = int(flag, value(), 1); break;
      case '--threads': o.threads = int(flag, value(), 0); break;
      case '--max-batch': o.maxBatch = batchSize(flag, value()); break;
      case '--stored-responses': o.storedResponses = int(flag, value(), 0); break;
      case '--prefill-chunk': o.prefillChunk = int(flag, value(), 0); break;
      case '--logits': o.lastPositionLogits = logitsMode(flag, value()); break;
      case '--prefill-weights': { const v = value(); if (v !== 'model' && v !== 'int8') throw new UsageError(`--prefill-weights is 'model' (the default) or 'int8' (prefill on an int8 copy of the weights: changes the logits), got ${JSON.stringify(v ?? '')}`); o.prefillWeights = v; break; }
      case '--model': {
        const v = value();
        const eq = v.indexOf('=');
        if (eq <= 0 || eq === v.length - 1) throw new UsageError(`--model needs NAME=DIR, got ${JSON.stringify(v)}`);
        o.models[v.slice(0, eq)] = path.resolve(v.slice(eq + 1));
        break;
      }
      case '--models-dir': o.modelsDirs.push(path.resolve(value())); break;
      case '--state-file': o.stateFile = path.resolve(value()); break;
      case '--no-state-file': o.stateFile = null; break;
      case '--log-file': o.logFile = path.resolve(value()); break;
      case '--prepare-wait-ms': o.prepareWaitMs = int(flag, value(), 0); break;
      case '--no-auto-download': o.autoDownload = false; break;
      default: throw new UsageError(`unknown option '${a}'`);
    }
  }, usage);
  if (o.port > 65535) throw new UsageError(`--port must be at most 65535, got ${o.port}`);
  return o;
}

/**
 * The registry a standalone service uses: with --model or --models-dir, exactly those folders;
 * otherwise the catalog and the cache (catalog variants, downloaded, synthetic and
 * bring-your-own models). runServiceMain's `registry` overrides both.
 */
export function defaultRegistry(o: MainOptions, env: NodeJS.ProcessEnv = process.env): ModelRegistry {
  if (Object.keys(o.models).length || o.modelsDirs.length) {
    return new FolderRegistry(o.models, { scan: o.modelsDirs, modelDirPath: o.modelsDirs[0] });
  }
  return new CatalogRegistry({ cache: { cacheDir: cacheDir(env), env } });
}

/**
 * Starts the service, records it in the state file, and stops cleanly on SIGTERM / SIGINT.
 * Resolves once it listens; `stopped` settles when it has shut down.
 */
export async function runServiceMain(
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
  deps: { registry?: ModelRegistry; exitOnStop?: boolean } = {},
): Promise<{ service: ServiceHandle; stopped: Promise<void> }> {
  const o = parseServiceArgs(argv, env);
  if (o.stateFile) {
    const prior = readState(o.stateFile);
    const key = envValue('SLMLAB_API_KEY', env);
    if (prior && prior.pid !== process.pid && await isRecordedService(prior, key ? { Authorization: `Bearer ${key}` } : {})) {
      throw new UsageError(`a service is already running at ${prior.url} (pid ${prior.pid}): stop it with \`slmlab service stop\`, or pass --state-file for a second one`);
    }
  }
  const logger = jsonLogger();
  const instance = randomUUID();
  let stop: (signal: string) => void = () => undefined;
  const service = await startService({
    onShutdownRequest: () => stop('POST /shutdown'),
    instance,
    registry: deps.registry ?? defaultRegistry(o, env), host: o.host, port: o.port, apiKey: envValue('SLMLAB_API_KEY', env) || undefined,
    ttlSeconds: o.ttlSeconds, maxQueue: o.maxQueue, maxBodyBytes: o.maxBodyBytes, threads: o.threads, maxBatch: o.maxBatch, logger,
    prepareWaitMs: o.prepareWaitMs, autoDownload: o.autoDownload, storedResponses: o.storedResponses,
    prefillChunk: o.prefillChunk, lastPositionLogits: o.lastPositionLogits, prefillWeights: o.prefillWeights,
  });
  if (o.stateFile) {
    writeState(o.stateFile, {
      pid: process.pid, url: service.url, port: service.port, host: o.host, startedAt: new Date().toISOString(), logFile: o.logFile,
      instance, pidStartTime: processStartTime(process.pid),
    });
  }
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((r) => { resolveStopped = r; });
  let stopping = false;
  stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    const hardStop = setTimeout(() => { if (o.stateFile) removeState(o.stateFile, process.pid); process.exit(1); }, 15_000);
    hardStop.unref();
    void service.close().finally(() => {
      if (o.stateFile) removeState(o.stateFile, process.pid);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      resolveStopped();
      if (deps.exitOnStop) process.exit(0);
    });
  };
  const onTerm = () => stop('SIGTERM');
  const onInt = () => stop('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.stdout.write(`slmlab service listening on ${service.url}\n`);
  return { service, stopped };
}

if (require.main === module) {
  runServiceMain(process.argv.slice(2), process.env, { exitOnStop: true }).catch((e: unknown) => {
    const err = fromSystemError(e);
    if (err instanceof SlmlabError) {
      process.stderr.write(`slmlab service: ${err.message}\n`);
      process.exit(err.code === 'usage' || err.code === 'service_start_failed' ? 2 : 1);
    }
    process.stderr.write(`slmlab service: unexpected error (a bug: please report it with this trace): ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
