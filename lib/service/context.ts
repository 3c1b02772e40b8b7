/** What every route handler gets: the model manager, the registry, the service's settings. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ModelManager } from './model-manager';
import type { ModelRegistry } from '../registry/model-registry';
import type { ResponseStore } from './response-store';
import type { EmbedderPool } from './embedders';
import type { Preparations, PrepareAnswer } from './preparation';
import type { ProviderName } from '../engine/providers';
import type { ResolvedModel } from '../registry/model-registry';

/** The registry as routes see it: the service's registry plus explicit, never implicit, preparation. */
export interface ServiceRegistry extends ModelRegistry {
  /** A cached model's folder; never downloads or builds (409 model_not_prepared instead). */
  resolveReady(name: string, ep?: ProviderName): Promise<ResolvedModel>;
  /** Starts (or joins) the download or build of `name`; answers at once. */
  prepare(name: string, ep?: ProviderName): Promise<PrepareAnswer>;
}

export interface ServiceLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: ServiceLogger = { info() {}, warn() {}, error() {} };

/** JSON lines on a stream (the daemon's log file is stdout/stderr of the service process). */
export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l)): ServiceLogger {
  const log = (level: string) => (message: string, fields: Record<string, unknown> = {}) =>
    write(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }) + '\n');
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

export interface ServiceContext {
  manager: ModelManager;
  registry: ServiceRegistry;
  /** Downloads and builds started by requests for models not on disk yet. */
  preparations: Preparations;
  logger: ServiceLogger;
  /** The base URL clients use, e.g. http://127.0.0.1:5273 (no trailing slash). */
  url(): string;
  maxBodyBytes: number;
  /** Unix seconds the service started: `created` of /v1/models entries. */
  startedAt: number;
  /** Aborted when the service shuts down: every running request listens to it. */
  shutdown: AbortSignal;
  /** A random token naming this service instance (GET /slmlab/instance; the state file holds it too). */
  instance: string;
  /** POST /shutdown: stops the service (the process too, when it was started as one). */
  requestShutdown(): void;
  /** The Responses API's stored responses (bounded, in memory). */
  responses: ResponseStore;
  /** Embedding models loaded by POST /v1/embeddings. */
  embedders: EmbedderPool;
  /** The running service's identity, the same in every view of this context: key per-service stores by it. */
  key: object;
}

export type Handler = (ctx: ServiceContext, req: IncomingMessage, res: ServerResponse, params: Record<string, string>, query: URLSearchParams) => Promise<void> | void;
