/**
 * Where a cell's requests go: one OpenAI client per endpoint. 'embedded' starts slmlab's
 * service in this process on 127.0.0.1:0, one per thread setting (threads are fixed when a
 * service starts), on first use; a URL is used as is (OPENAI_API_KEY or a placeholder key).
 * close() stops the services it started.
 */
import OpenAI from 'openai';
import type { Cell } from '../grid/expand';
import { EMBEDDED } from '../grid/spec';
import { startService, silentLogger, type ModelRegistry, type ServiceHandle, type ServiceOptions } from '../../service';
import { envValue } from '../../environment';

export interface EndpointTarget {
  client: OpenAI;
  /** The OpenAI base URL ('.../v1'), for load workers that make their own clients. */
  baseURL: string;
  apiKey: string;
}

export interface EndpointPool {
  targetFor(cell: Cell): Promise<EndpointTarget>;
  /** The embedded service a cell's requests go to (its model manager knows the engine pids); null for URL endpoints. */
  serviceFor(cell: Cell): Promise<ServiceHandle | null>;
  close(): Promise<void>;
}

export interface EndpointPoolOptions {
  registry: ModelRegistry;
  serviceOptions?: Partial<ServiceOptions>;
  /** API key for URL endpoints; default process.env.OPENAI_API_KEY, else a placeholder. */
  apiKey?: string;
}

/** One embedded service per (threads, logits): the same key starts it and finds it again for memory sampling. */
const serviceKey = (c: Cell): string => `${c.threads}|${c.logits}`;

export function endpointPool(o: EndpointPoolOptions): EndpointPool {
  /** One embedded service per (threads, logits): both are fixed when a model loads. */
  const services = new Map<string, Promise<ServiceHandle>>();
  const targets = new Map<string, Promise<EndpointTarget>>();
  const make = async (c: Cell): Promise<EndpointTarget> => {
    if (c.endpoint !== EMBEDDED) {
      const apiKey = o.apiKey ?? envValue('OPENAI_API_KEY') ?? 'slmlab';
      return { client: new OpenAI({ baseURL: c.endpoint, apiKey, maxRetries: 0 }), baseURL: c.endpoint, apiKey };
    }
    const key = serviceKey(c);
    let svc = services.get(key);
    if (!svc) {
      // In-process: a model still to be built or downloaded is waited for, not answered with a 503.
      // Benchmarks measure the model's own graph unless the cell asks for logits 'last' (or 'last-int8prefill').
      svc = startService({ logger: silentLogger, apiKey: '', prepareWaitMs: Number.POSITIVE_INFINITY, ...o.serviceOptions, registry: o.registry, host: '127.0.0.1', port: 0, threads: c.threads,
        lastPositionLogits: c.logits !== 'all', prefillWeights: c.logits === 'last-int8prefill' ? 'int8' : 'model' });
      services.set(key, svc);
    }
    const baseURL = `${(await svc).url}/v1`;
    return { client: new OpenAI({ baseURL, apiKey: 'slmlab', maxRetries: 0 }), baseURL, apiKey: 'slmlab' };
  };
  return {
    targetFor: (c) => {
      const key = c.endpoint === EMBEDDED ? `embedded:${c.threads}:${c.logits}` : c.endpoint;
      let t = targets.get(key);
      if (!t) { t = make(c); targets.set(key, t); }
      return t;
    },
    serviceFor: async (c) => {
      if (c.endpoint !== EMBEDDED) return null;
      const svc = services.get(serviceKey(c));
      return svc ? svc : null;
    },
    close: async () => {
      await Promise.all([...services.values()].map(async (s) => (await s.catch(() => null))?.close()));
    },
  };
}
