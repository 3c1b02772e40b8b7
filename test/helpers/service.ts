/**
 * A real service on loopback in front of a real tiny model: buildModel into a temp folder,
 * a FolderRegistry naming it, startService on a free port, and the real `openai` client.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import OpenAI from 'openai';
import { buildModel } from '../../lib/cache/build-model';
import { FolderRegistry, type FolderModelSpec } from '../../lib/service/folder-registry';
import { type ServiceHandle, type ServiceOptions } from '../../lib/service/server';
import { startServiceWithPages } from '../../lib/app/start-service';
import { makeTempDir, removeTempDir } from './models';

export const MODEL_ID = 'tiny-cpu-int4:1';
export const MODEL_ALIAS = 'tiny';

export interface TinyFixture {
  root: string;
  dir: string;
  registry: FolderRegistry;
  /** Builds the registry's models once; start as many services as a test needs. */
  start(opts?: Partial<ServiceOptions>): Promise<ServiceHandle>;
  cleanup(): Promise<void>;
}

/** A temp folder with the tiny int4 model (and a not-yet-built synthetic entry 'tiny-later'). */
export async function tinyFixture(extra: Record<string, FolderModelSpec> = {}): Promise<TinyFixture> {
  const root = makeTempDir();
  const dir = path.join(root, 'tiny');
  await buildModel({ shape: 'tiny', precision: 'int4', out: dir });
  const registry = new FolderRegistry({
    [MODEL_ID]: { dir, alias: MODEL_ALIAS, license: 'MIT' },
    'tiny-later:1': { dir: path.join(root, 'later'), alias: 'tiny-later', synthetic: { shape: 'tiny', precision: 'int4', seed: 5 } },
    ...extra,
  }, { modelDirPath: root });
  const services: ServiceHandle[] = [];
  return {
    root, dir, registry,
    async start(opts = {}) {
      const svc = await startServiceWithPages({ registry, threads: 1, apiKey: '', ...opts });
      services.push(svc);
      return svc;
    },
    async cleanup() {
      await Promise.all(services.map((s) => s.close()));
      removeTempDir(root);
    },
  };
}

/** The real OpenAI client on a service; no retries, so errors surface as they are. */
export function clientFor(svc: ServiceHandle, opts: { apiKey?: string; maxRetries?: number } = {}): OpenAI {
  return new OpenAI({ baseURL: svc.url + '/v1', apiKey: opts.apiKey ?? 'x', maxRetries: opts.maxRetries ?? 0, timeout: 60_000 });
}

/** A raw JSON POST (for bodies the openai client would never send). */
export async function postRaw(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const r = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
  const text = await r.text();
  let json: any = null;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: r.status, json, headers: r.headers };
}

export function exists(p: string): boolean {
  return fs.existsSync(p);
}
