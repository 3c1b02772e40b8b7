/**
 * Turns what a user typed (a folder, a catalog alias or variant id, a cached or bring-your-own
 * model's name) into a model folder the engine can load. One function, used by `slmlab model
 * run`, the service's registry and notebooks, so every entry point resolves names the same way:
 *
 *   1. a path to a folder                       -> that folder
 *   2. a catalog alias or variant id            -> the variant chosen for this machine (or --ep),
 *                                                  from the cache; synthetic variants are built on
 *                                                  first use, real ones downloaded if allowed
 *   3. a cached, bring-your-own or Foundry name -> that folder
 */
import { shapeNames } from '../synth/shapes';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelDamagedError, ModelNotFoundError } from '../errors';
import type { ProviderName } from '../engine/providers';
import { findModel, loadCatalog, resolveVariant, type CatalogFile, type CatalogModel, type CatalogVariant } from '../catalog';
import { cachedFolderFor, ensureVariant, entryMatches, findCachedModel, listCache, type CacheOptions, type DownloadProgress, type EnsureResult } from '../cache';
import { inferenceModelFor } from '../cache/inference-model';
import { twinHint } from './twin-hint';
import { OfflineError } from '../cache/download/offline';
import { envValue } from '../environment';

export interface LocateOptions {
  /** Execution provider wanted: picks the catalog variant made for it. */
  ep?: ProviderName;
  /** Download real catalog variants that are not cached (synthetic ones are always built). Default false. */
  download?: boolean;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  catalog?: CatalogFile;
  cache?: CacheOptions;
  /** Re-verify (downloads: byte by byte) or rebuild (synthetic) a cached variant, repairing what is damaged. */
  force?: boolean;
  /** Accept folder paths (default true). The service passes false: names from requests never reach the file system. */
  allowFolders?: boolean;
}

export interface LocatedModel {
  /** Variant id, cache entry id, or the folder's name. */
  id: string;
  /** The folder to pass to loadModel(). */
  dir: string;
  /** The provider the variant was made for; null for folders and bring-your-own models. */
  provider: ProviderName | null;
  synthetic: boolean;
  from: 'folder' | 'catalog' | 'cache';
  /** True when this call downloaded or built the model. */
  fetched: boolean;
  /** Set when a damaged cached copy was repaired: what was wrong. */
  repaired?: string;
  model?: CatalogModel;
  variant?: CatalogVariant;
}

function looksLikePath(name: string): boolean {
  return name.includes('/') || name.includes('\\') || name.startsWith('.') || name.startsWith('~') || path.isAbsolute(name);
}

function isSyntheticFolder(dir: string): boolean {
  try {
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { slmlab?: { synthetic?: boolean } };
    return config.slmlab?.synthetic === true;
  } catch {
    return false;
  }
}

/** The command that repairs a damaged cache entry, with --force (issue 21: a twin's message named a download). */
function repairCommand(e: { id: string; kind: string }): string {
  if (e.kind !== 'synthetic') return `\`slmlab model download ${e.id} --force\``;
  const shape = shapeNames().filter((s) => e.id.toLowerCase().startsWith(`${s}-`)).sort((a, b) => b.length - a.length)[0];
  return shape
    ? `\`slmlab model build ${shape} --force\` with the options its id '${e.id}' names (a synthetic twin: rebuilt, never downloaded)`
    : `\`slmlab model build <shape> --force\` (a synthetic twin: rebuilt, never downloaded)`;
}

export async function locateModel(name: string, opts: LocateOptions = {}): Promise<LocatedModel> {
  const trimmed = name.trim();
  if (!trimmed) throw new ModelNotFoundError('no model named: give a catalog alias (see `slmlab model list`), a variant id or a model folder');

  if (opts.allowFolders === false) {
    if (looksLikePath(trimmed)) throw new ModelNotFoundError(`'${trimmed}' is not a model name: name a catalog alias, a variant id or a cached model (folders cannot be named here)`);
  } else if (looksLikePath(trimmed) || (fs.existsSync(trimmed) && fs.statSync(trimmed).isDirectory())) {
    const dir = path.resolve(trimmed.startsWith('~') ? trimmed.replace(/^~/, envValue('HOME') ?? '~') : trimmed);
    if (!fs.existsSync(dir)) throw new ModelNotFoundError(`model folder '${dir}' does not exist: check the path, name a catalog model (see \`slmlab model list\`), or build one with \`slmlab model build tiny\``);
    return { id: path.basename(dir), dir, provider: null, synthetic: isSyntheticFolder(dir), from: 'folder', fetched: false };
  }

  const catalog = opts.catalog ?? loadCatalog();
  let catalogMiss: unknown = null;
  try {
    findModel(catalog, trimmed);
  } catch (e) {
    catalogMiss = e;
  }

  if (catalogMiss === null) {
    const { model, variant } = await resolveVariant(catalog, trimmed, { ep: opts.ep });
    const cached = opts.force ? null : cachedFolderFor(variant, opts.cache);
    if (cached) return { id: variant.id, dir: cached, provider: variant.provider, synthetic: model.synthetic, from: 'catalog', fetched: false, model, variant };
    if (variant.source.kind !== 'synthetic' && !opts.download) {
      throw new ModelNotFoundError(`${model.alias} (${variant.id}) is not downloaded: run \`slmlab model download ${variant.id}\`${twinHint(catalog, model.alias)}`);
    }
    let r: EnsureResult;
    try {
      r = await ensureVariant(variant, {
        onProgress: opts.onProgress, signal: opts.signal, cacheDir: opts.cache?.cacheDir, env: opts.cache?.env, force: opts.force,
        inferenceModel: inferenceModelFor(variant.id, model.promptTemplate),
      });
    } catch (e) {
      if (e instanceof OfflineError) throw new OfflineError(e.host, e.url ?? '', model.alias, twinHint(catalog, model.alias));
      throw e;
    }
    return { id: variant.id, dir: r.dir, provider: variant.provider, synthetic: model.synthetic, from: 'catalog', fetched: r.downloaded, model, variant, ...(r.repaired ? { repaired: r.repaired } : {}) };
  }

  const entry = findCachedModel(trimmed, opts.cache);
  if (entry && entry.complete) {
    return { id: entry.id, dir: entry.modelDir, provider: null, synthetic: entry.kind === 'synthetic' || isSyntheticFolder(entry.modelDir), from: 'cache', fetched: false };
  }
  const damaged = entry ? null : listCache(opts.cache).find((e) => e.damaged && entryMatches(e, trimmed));
  if (damaged) throw new ModelDamagedError(`'${damaged.id}' in the cache is damaged (${damaged.damaged}): repair it with ${repairCommand(damaged)}, or remove it with \`slmlab cache remove ${damaged.id}\``);
  if (entry) throw new ModelNotFoundError(`'${entry.id}' in the cache is incomplete (${entry.partial ? 'a download was interrupted' : 'files are missing'}): run \`slmlab model download ${entry.id}\` to finish it, or \`slmlab cache remove ${entry.id}\``);
  throw catalogMiss;
}
