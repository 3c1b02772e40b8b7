/**
 * The service's ModelRegistry over slmlab's catalog and cache: /v1/models and /foundry/list
 * show catalog variants and cached models, requests name them by alias or id, and downloads
 * go through cache/'s ensureVariant. Names from requests are never treated as paths.
 */
import { findModel, loadCatalog, resolveVariant, type CatalogFile } from '../catalog';
import { cacheDir, cachedFolderFor, listCache, modelsDir, type CacheOptions } from '../cache';
import type { ProviderName } from '../engine/providers';
import { deviceOf, type RegistryDownloadProgress, type RegistryEntry, type ResolvedModel, type PreparableRegistry, type PreparationNeed } from './model-registry';
import { locateModel } from './locate-model';

export interface CatalogRegistryOptions {
  catalog?: CatalogFile;
  cache?: CacheOptions;
  /** Provider for models that were not made for one (bring-your-own folders). Default cpu. */
  defaultProvider?: ProviderName;
}

export class CatalogRegistry implements PreparableRegistry {
  readonly modelDirPath: string;

  constructor(private readonly options: CatalogRegistryOptions = {}) {
    this.modelDirPath = modelsDir(options.cache?.cacheDir ?? cacheDir(options.cache?.env));
  }

  private catalog(): CatalogFile {
    return this.options.catalog ?? loadCatalog();
  }

  async list(): Promise<RegistryEntry[]> {
    const entries: RegistryEntry[] = [];
    const seen = new Set<string>();
    for (const m of this.catalog().models) {
      for (const v of m.variants) {
        seen.add(v.id);
        entries.push({
          id: v.id, alias: m.alias, displayName: m.displayName, cached: cachedFolderFor(v, this.options.cache) !== null,
          synthetic: m.synthetic, provider: v.provider, device: v.device, sizeBytes: v.sizeBytes, license: m.license,
          task: m.task, contextLength: m.contextLength, promptTemplate: m.promptTemplate ?? null,
        });
      }
    }
    for (const e of listCache(this.options.cache)) {
      if (!e.complete || seen.has(e.id)) continue;
      seen.add(e.id);
      const provider = this.options.defaultProvider ?? 'cpu';
      entries.push({ id: e.id, displayName: e.modelName ?? e.id, cached: true, synthetic: e.kind === 'synthetic', provider, device: deviceOf(provider), sizeBytes: e.sizeBytes });
    }
    return entries;
  }

  async resolve(name: string, ep?: ProviderName): Promise<ResolvedModel> {
    const found = await locateModel(name, { ep, download: false, allowFolders: false, catalog: this.options.catalog, cache: this.options.cache });
    return { id: found.id, dir: found.dir, provider: ep ?? found.provider ?? this.options.defaultProvider ?? 'cpu', synthetic: found.synthetic };
  }

  /** A catalog variant that is not in the cache yet: what fetching it means. Null for anything else. */
  async needsPreparation(name: string, ep?: ProviderName): Promise<PreparationNeed | null> {
    const catalog = this.catalog();
    try {
      findModel(catalog, name);
    } catch {
      return null; // not a catalog name: resolve() says what it is, or that it is unknown
    }
    let found;
    try {
      found = await resolveVariant(catalog, name, { ep });
    } catch {
      return null; // unavailable, or no variant for this ep: resolve() gives the reason
    }
    if (cachedFolderFor(found.variant, this.options.cache)) return null;
    return { id: found.variant.id, kind: found.variant.source.kind === 'synthetic' ? 'build' : 'download', sizeBytes: found.variant.sizeBytes };
  }

  async download(name: string, opts: { onProgress?: (p: RegistryDownloadProgress) => void; signal?: AbortSignal }): Promise<{ id: string; dir: string }> {
    const found = await locateModel(name, {
      download: true, allowFolders: false, catalog: this.options.catalog, cache: this.options.cache, signal: opts.signal,
      onProgress: (p) => opts.onProgress?.({ fraction: p.total ? Math.min(1, p.bytes / p.total) : p.phase === 'done' ? 1 : 0, file: p.file }),
    });
    return { id: found.id, dir: found.dir };
  }
}
