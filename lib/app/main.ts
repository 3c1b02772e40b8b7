/**
 * The service process, with its pages: `node dist/lib/app/main.js --foreground [options]`. The CLI's
 * `slmlab service start --foreground` calls runServiceMain(); `slmlab service start` (daemon.ts)
 * spawns this file detached. It serves until SIGTERM or SIGINT, writes <cacheDir>/service.json
 * once it listens and removes it when it stops.
 *
 * Its options are the table SERVICE_ARGS below (`node dist/lib/app/main.js --help` prints it):
 * flags win over the SLMLAB_* variables; with neither --model nor --models-dir it serves the
 * catalog and the cache, as `slmlab model list` sees them.
 * The API key is read from SLMLAB_API_KEY only, so it never shows in a process list.
 */
import type { PrefillWeights } from '../engine/int8-prefill';
import { randomUUID } from 'node:crypto';
import { argsHelp, parseScriptArgs, type OptionSpec, type ScriptSpec } from '../util/argv';
import { isRecordedService, processStartTime } from '../client/service-identity';
import { SlmlabError, UsageError } from '../errors';
import { fromSystemError } from '../system-errors';
import { DEFAULT_MAX_BATCH, MAX_BATCH_LIMIT } from '../engine/engine';
import { DEFAULT_SERVICE_PREFILL_CHUNK } from '../service/model-manager';
import * as path from 'node:path';
import { cacheDir } from '../cache/location';
import { CatalogRegistry } from '../registry/catalog-registry';
import { jsonLogger } from '../service/context';
import { DEFAULT_STORED_RESPONSES } from '../service/response-store';
import { FolderRegistry } from '../service/folder-registry';
import type { ModelRegistry } from '../registry/model-registry';
import type { ServiceHandle } from '../service/server';
import { startServiceWithPages } from './start-service';
import { readState, removeState, stateFilePath, writeState } from '../client/service-state';
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

function prefillWeights(name: string, v: string | undefined): PrefillWeights {
  if (v === 'model' || v === 'int8') return v;
  throw new UsageError(`${name} is 'model' (the default) or 'int8' (prefill on an int8 copy of the weights: changes the logits), got ${JSON.stringify(v ?? '')}`);
}

function batchSize(name: string, v: string | undefined): number {
  const n = int(name, v, 1);
  if (n > MAX_BATCH_LIMIT) throw new UsageError(`${name} is at most ${MAX_BATCH_LIMIT}, got ${n}`);
  return n;
}

/** The service process's options (lib/util/argv.ts); the numbers are checked by int() and batchSize() above. */
const SERVICE_ARGS = {
  name: 'slmlab service',
  usage: 'node dist/lib/app/main.js [--foreground] [options]',
  about: 'Runs the slmlab service with its pages until SIGTERM or SIGINT (flags win over the SLMLAB_* variables; see docs/service.md).',
  options: {
    foreground: { type: 'flag', help: 'accepted and ignored: this process always serves in the foreground' },
    host: { type: 'string', help: 'address to bind (SLMLAB_HOST; other than 127.0.0.1 needs SLMLAB_API_KEY)' },
    port: { type: 'string', value: 'N', help: 'port (SLMLAB_PORT; 0: a free port, written to the state file)' },
    ttl: { type: 'string', value: 'SECONDS', help: 'seconds an idle model stays loaded (SLMLAB_TTL; 0: keep loaded)' },
    'max-queue': { type: 'string', value: 'N', help: 'requests waiting per model before 429 (SLMLAB_MAX_QUEUE)' },
    'max-body-bytes': { type: 'string', value: 'N', help: 'largest request body (default 1048576)' },
    threads: { type: 'string', value: 'N', help: 'ONNX Runtime intra-op threads per model (SLMLAB_THREADS; 0: its choice)' },
    'max-batch': { type: 'string', value: 'N', help: 'requests decoded together per model (SLMLAB_MAX_BATCH)' },
    'stored-responses': { type: 'string', value: 'N', help: 'Responses API responses kept in memory (SLMLAB_STORED_RESPONSES)' },
    'prefill-chunk': { type: 'string', value: 'N', help: 'longest prefill run for one prompt, in tokens (SLMLAB_PREFILL_CHUNK; 0: whole prompts)' },
    logits: { type: 'string', value: 'last|all', help: 'last: logits for the last position only; all: the model\'s own graph (SLMLAB_LOGITS)' },
    'prefill-weights': { type: 'string', value: 'model|int8', help: 'model (default); int8: prefill on an int8 copy of the int4 weights (opt-in, changes the logits; lib/engine/int8-prefill.ts)' },
    model: { type: 'repeat', value: 'NAME=DIR', help: 'serve a model folder under NAME' },
    'models-dir': { type: 'repeat', value: 'DIR', help: 'serve every model folder under DIR' },
    'state-file': { type: 'string', value: 'FILE', help: 'where to record the running service (default <cacheDir>/service.json)' },
    'no-state-file': { type: 'flag', help: 'record nothing' },
    'log-file': { type: 'string', value: 'FILE', help: 'recorded in the state file (the daemon redirects output there)' },
    'prepare-wait-ms': { type: 'string', value: 'N', help: 'how long a request waits for a first-use preparation before 503 (SLMLAB_PREPARE_WAIT_MS)' },
    'no-auto-download': { type: 'flag', help: 'never start a real model\'s download on a request' },
  },
} as const satisfies ScriptSpec<Record<string, OptionSpec>>;

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
  const { values: v } = parseScriptArgs(SERVICE_ARGS, argv);
  // Numbers are read as text and checked here, so a flag and its variable fail alike.
  if (v.host !== undefined) o.host = v.host;
  if (v.port !== undefined) o.port = int('--port', v.port, 0);
  if (v.ttl !== undefined) o.ttlSeconds = int('--ttl', v.ttl, 0);
  if (v['max-queue'] !== undefined) o.maxQueue = int('--max-queue', v['max-queue'], 0);
  if (v['max-body-bytes'] !== undefined) o.maxBodyBytes = int('--max-body-bytes', v['max-body-bytes'], 1);
  if (v.threads !== undefined) o.threads = int('--threads', v.threads, 0);
  if (v['max-batch'] !== undefined) o.maxBatch = batchSize('--max-batch', v['max-batch']);
  if (v['stored-responses'] !== undefined) o.storedResponses = int('--stored-responses', v['stored-responses'], 0);
  if (v['prefill-chunk'] !== undefined) o.prefillChunk = int('--prefill-chunk', v['prefill-chunk'], 0);
  if (v.logits !== undefined) o.lastPositionLogits = logitsMode('--logits', v.logits);
  if (v['prefill-weights'] !== undefined) o.prefillWeights = prefillWeights('--prefill-weights', v['prefill-weights']);
  for (const m of v.model) {
    const eq = m.indexOf('=');
    if (eq <= 0 || eq === m.length - 1) throw new UsageError(`--model needs NAME=DIR, got ${JSON.stringify(m)}`);
    o.models[m.slice(0, eq)] = path.resolve(m.slice(eq + 1));
  }
  o.modelsDirs.push(...v['models-dir'].map((d) => path.resolve(d)));
  if (v['state-file'] !== undefined) o.stateFile = path.resolve(v['state-file']);
  if (v['no-state-file']) o.stateFile = null;
  if (v['log-file'] !== undefined) o.logFile = path.resolve(v['log-file']);
  if (v['prepare-wait-ms'] !== undefined) o.prepareWaitMs = int('--prepare-wait-ms', v['prepare-wait-ms'], 0);
  if (v['no-auto-download']) o.autoDownload = false;
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
    if (prior && prior.pid !== process.pid && await isRecordedService(prior, key || undefined)) {
      throw new UsageError(`a service is already running at ${prior.url} (pid ${prior.pid}): stop it with \`slmlab service stop\`, or pass --state-file for a second one`);
    }
  }
  const logger = jsonLogger();
  const instance = randomUUID();
  let stop: (signal: string) => void = () => undefined;
  const service = await startServiceWithPages({
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
  if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(argsHelp(SERVICE_ARGS) + '\n');
    process.exit(0);
  }
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
