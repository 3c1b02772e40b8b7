/**
 * Which OpenAI-compatible endpoint to benchmark, first match wins:
 *
 *   1. explicit   the base URL the caller passed
 *   2. env        FOUNDRY_LOCAL_ENDPOINT (the workshop's variable, not Foundry Local's own)
 *   3. slmlab     a running slmlab service, read from its state file (<cacheDir>/service.json)
 *   4. foundry    a running Foundry Local, from `foundry service status` (binary on PATH, 5 s limit)
 *
 * The base URL always ends in /v1. Nothing found is an EndpointError naming every way to get
 * one; a missing `foundry` binary on its own is not an error.
 *
 *   const ep = await findEndpoint();
 *   const client = new OpenAI({ baseURL: ep.baseURL, apiKey: ep.apiKey });
 */
import { cacheDir } from '../cache/location';
import { daemonStatus } from './running-service';
import { normalizeBaseURL } from './base-url';
import { EndpointError } from './errors';
import { foundryServiceStatus } from './foundry-status';
import { envValue } from '../environment';

export type EndpointKind = 'explicit' | 'env' | 'slmlab' | 'foundry';

export interface Endpoint {
  /** The OpenAI API root, ending in /v1. */
  baseURL: string;
  kind: EndpointKind;
  /** What to send as the bearer token: local servers mostly ignore it, but the openai client needs one. */
  apiKey: string;
  /** Where it was found: the variable, the state file, or the foundry binary. */
  source: string;
}

export interface FindEndpointOptions {
  /** A base URL that wins over everything (http://host:port or …/v1). */
  explicit?: string;
  /** Default process.env: FOUNDRY_LOCAL_ENDPOINT, SLMLAB_CACHE_DIR, SLMLAB_API_KEY and PATH are read from it. */
  env?: NodeJS.ProcessEnv;
  /** Overrides the key chosen per kind (SLMLAB_API_KEY for slmlab, a placeholder elsewhere). */
  apiKey?: string;
  /** Where slmlab's state file lives (default: cacheDir(env)). */
  cacheDir?: string;
  /** Limit for `foundry service status` (default 5000 ms). */
  foundryTimeoutMs?: number;
}

/** The key local servers are given when none is needed (Foundry Local's own SDK sends a placeholder too). */
export const PLACEHOLDER_API_KEY = 'not-needed';

export async function findEndpoint(o: FindEndpointOptions = {}): Promise<Endpoint> {
  const env = o.env ?? process.env;
  const key = (fallback?: string) => o.apiKey ?? fallback ?? PLACEHOLDER_API_KEY;
  const tried: string[] = [];

  if (o.explicit !== undefined && o.explicit.trim() !== '') {
    return { baseURL: normalizeBaseURL(o.explicit, 'the explicit endpoint'), kind: 'explicit', apiKey: key(), source: 'argument' };
  }
  tried.push('no explicit base URL given');

  const fromEnv = envValue('FOUNDRY_LOCAL_ENDPOINT', env)?.trim();
  if (fromEnv) {
    return { baseURL: normalizeBaseURL(fromEnv, 'FOUNDRY_LOCAL_ENDPOINT'), kind: 'env', apiKey: key(), source: 'FOUNDRY_LOCAL_ENDPOINT' };
  }
  tried.push('FOUNDRY_LOCAL_ENDPOINT is not set');

  const slmlabKey = envValue('SLMLAB_API_KEY', env) || undefined;
  const status = await daemonStatus({ cacheDir: o.cacheDir ?? cacheDir(env), apiKey: slmlabKey ?? '' });
  if (status.running && status.url && status.responding !== false) {
    return { baseURL: normalizeBaseURL(status.url, 'the slmlab state file'), kind: 'slmlab', apiKey: key(slmlabKey), source: status.stateFile };
  }
  tried.push(status.running ? `the slmlab service in ${status.stateFile} does not answer` : `no slmlab service is running (${status.stateFile})`);

  const foundry = await foundryServiceStatus({ env, timeoutMs: o.foundryTimeoutMs ?? 5000 });
  if (foundry?.url) {
    return { baseURL: normalizeBaseURL(foundry.url, '`foundry service status`'), kind: 'foundry', apiKey: key(), source: foundry.binary };
  }
  tried.push(foundry ? `\`${foundry.binary} service status\` named no running service` : 'no `foundry` binary on PATH');

  throw new EndpointError(
    'no OpenAI-compatible endpoint found: pass a base URL (e.g. http://127.0.0.1:8000/v1), set FOUNDRY_LOCAL_ENDPOINT, ' +
    'start slmlab\'s service with `slmlab service start`, or start Foundry Local with `foundry service start` ' +
    `(looked at: ${tried.join('; ')})`, tried);
}
