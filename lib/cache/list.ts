/**
 * What is on disk, as plain records: downloaded variants (complete ones in models/, partial
 * ones in downloads/), synthetic builds, bring-your-own ("custom") folders under models/ or
 * extra roots (SLMLAB_MODEL_DIRS), and Foundry Local's cache, which slmlab only reads.
 * Foundry's users report custom models that are "not picked up from cache" (FL #105, #181,
 * #285, #303): here any folder with inference_model.json or genai_config.json up to 3
 * levels deep is listed, with whether the engine can run it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CatalogVariant } from '../catalog/types';
import { COMPLETE_FILE, PLAN_FILE, completionIntact, readCompletion } from './completion';
import { isDir, readJsonObject, walkFiles } from './files';
import { cacheDir as defaultCacheDir, downloadsDir, extraModelDirs, foundryCacheDir, modelsDir } from './location';
import { findModelFolders, inferenceModelName, isModelFolder, isRunnable, runnableDir } from './model-scan';
import { safeModelFolder, isSafeModelId } from './safe-name';
import { buildTempPid, isCompleteSynthetic, syntheticDamage, syntheticFolderName } from './synthetic-folder';
import { findDamage } from './damage';
import { pidAlive } from './files';

export type CacheKind = 'downloaded' | 'synthetic' | 'custom' | 'foundry';

export interface CacheEntry {
  /** Variant id (downloaded), synthetic id, or the model's name (custom/foundry: inference_model.json Name, else the folder). */
  id: string;
  /** Name relative to its root: a cache folder name, or a posix path for custom/foundry folders. */
  folder: string;
  /** Absolute path of the entry. */
  dir: string;
  /** The folder the engine loads (for downloads with a subfolder layout, below `dir`). */
  modelDir: string;
  kind: CacheKind;
  sizeBytes: number;
  files: number;
  /** Downloaded: completion record present and files intact; synthetic: build finished; custom/foundry: runnable. */
  complete: boolean;
  /** A download in progress or interrupted (downloads/<folder>.partial; resumable), or a build's temporary folder. */
  partial: boolean;
  /** A build's temporary folder whose process is gone (killed mid-way): removed by the next build or `cache clean`, never resumed. */
  abandoned?: boolean;
  /** What is wrong with a cached model whose files no longer match its record (null: nothing found). Repair: download/build with --force. */
  damaged: string | null;
  /** slmlab never writes or removes it (Foundry's cache, folders outside slmlab's cache). */
  readOnly: boolean;
  modelName?: string;
}

export interface CacheOptions {
  /** Default: cacheDir() (SLMLAB_CACHE_DIR, ...). */
  cacheDir?: string;
  /** Extra bring-your-own roots; default SLMLAB_MODEL_DIRS. */
  modelDirs?: string[];
  /** Foundry Local's cache; default FOUNDRY_CACHE_DIR or ~/.foundry/cache/models; null to skip. */
  foundryDir?: string | null;
  env?: NodeJS.ProcessEnv;
}

function sized(dir: string): { sizeBytes: number; files: number } {
  const files = walkFiles(dir);
  return { sizeBytes: files.reduce((a, f) => a + f.size, 0), files: files.length };
}

function foundryId(rel: string, name: string | null): string {
  if (name) return name;
  // Foundry's download layout Microsoft/<Id>-<ver>/v<ver> (third-party observation, docs/models.md): <Id>:<ver>.
  const m = /^[^/]+\/(.+)-(\d+)\/v\2$/.exec(rel);
  return m ? `${m[1]}:${m[2]}` : path.posix.basename(rel);
}

function listDownloaded(root: string): CacheEntry[] {
  const out: CacheEntry[] = [];
  const models = modelsDir(root);
  for (const name of safeReaddir(models)) {
    const dir = path.join(models, name);
    const record = readCompletion(dir);
    if (!record) continue;
    const modelDir = record.modelDir !== undefined ? path.join(dir, record.modelDir) : runnableDir(dir);
    const damaged = findDamage(dir, record);
    out.push({ id: record.variantId, folder: name, dir, modelDir, kind: 'downloaded', ...sized(dir), complete: damaged === null && completionIntact(dir, record), partial: false, readOnly: false, damaged });
  }
  const downloads = downloadsDir(root);
  for (const name of safeReaddir(downloads)) {
    if (!name.endsWith('.partial')) continue;
    const dir = path.join(downloads, name);
    const plan = readJsonObject(path.join(dir, PLAN_FILE));
    const folder = name.slice(0, -'.partial'.length);
    const id = typeof plan?.variantId === 'string' ? plan.variantId : folder;
    out.push({ id, folder, dir, modelDir: dir, kind: 'downloaded', ...sized(dir), complete: false, partial: true, readOnly: false, damaged: null });
  }
  return out;
}

function listSynthetic(root: string): CacheEntry[] {
  const synth = path.join(root, 'synthetic');
  return safeReaddir(synth).filter((n) => isDir(path.join(synth, n))).map((name) => {
    const dir = path.join(synth, name);
    const pid = buildTempPid(name);
    const temp = pid !== null;
    const damaged = temp ? null : syntheticDamage(dir);
    return {
      id: name, folder: name, dir, modelDir: dir, kind: 'synthetic' as const, ...sized(dir), complete: !temp && damaged === null && isCompleteSynthetic(dir),
      partial: temp, ...(temp ? { abandoned: !pidAlive(pid) } : {}), readOnly: false, damaged,
    };
  });
}

function listCustom(root: string, kind: 'custom' | 'foundry', readOnly: boolean, skip?: (rel: string, dir: string) => boolean): CacheEntry[] {
  if (!isDir(root)) return [];
  const found = isModelFolder(root)
    ? [{ dir: root, rel: path.basename(root), name: inferenceModelName(root), runnable: isRunnable(root) }]
    : findModelFolders(root, { skip });
  return found.map((f) => ({
    id: kind === 'foundry' ? foundryId(f.rel, f.name) : (f.name ?? f.rel),
    folder: f.rel, dir: f.dir, modelDir: f.dir, kind, ...sized(f.dir), complete: f.runnable, partial: false, readOnly, damaged: null,
    ...(f.name ? { modelName: f.name } : {}),
  }));
}

/** Quantise's and register's `<name>.partial-<pid>-<ms>` folders in models/: partial, abandoned when the pid is gone. */
function listTempFolders(models: string): CacheEntry[] {
  return safeReaddir(models).filter((n) => buildTempPid(n) !== null && isDir(path.join(models, n))).map((name) => {
    const dir = path.join(models, name);
    return {
      id: name, folder: name, dir, modelDir: dir, kind: 'custom' as const, ...sized(dir), complete: false, partial: true,
      abandoned: !pidAlive(buildTempPid(name)!), readOnly: false, damaged: null,
    };
  });
}

function safeReaddir(dir: string): string[] {
  try { return fs.readdirSync(dir).sort(); } catch { return []; }
}

/** Every model slmlab can see, downloaded first, then synthetic, custom and Foundry's. */
export function listCache(opts: CacheOptions = {}): CacheEntry[] {
  const env = opts.env ?? process.env;
  const root = path.resolve(opts.cacheDir ?? defaultCacheDir(env));
  const entries = [...listDownloaded(root), ...listSynthetic(root)];
  // Bring-your-own folders inside models/: anything that is not a finished slmlab download.
  // (quantise's and register's temporary `<name>.partial-<pid>-<ms>` folders are listed as partial, not as models: issue 21).
  entries.push(...listCustom(modelsDir(root), 'custom', false, (rel, dir) => !rel.includes('/') && (fs.existsSync(path.join(dir, COMPLETE_FILE)) || buildTempPid(rel) !== null)));
  entries.push(...listTempFolders(modelsDir(root)));
  for (const extra of opts.modelDirs ?? extraModelDirs(env)) entries.push(...listCustom(path.resolve(extra), 'custom', true));
  const foundry = opts.foundryDir === undefined ? foundryCacheDir(env) : opts.foundryDir;
  if (foundry) entries.push(...listCustom(path.resolve(foundry), 'foundry', true));
  return entries;
}

/**
 * The runnable folder of a cached variant, or null when it is not (completely) cached.
 * Synthetic variants are looked up by their build id; an id string is looked up among
 * downloads, then synthetic builds.
 */
export function cachedFolderFor(variant: string | CatalogVariant, opts: Pick<CacheOptions, 'cacheDir' | 'env'> = {}): string | null {
  const root = path.resolve(opts.cacheDir ?? defaultCacheDir(opts.env ?? process.env));
  if (typeof variant !== 'string' && variant.source.kind === 'synthetic') {
    const dir = path.join(root, 'synthetic', syntheticFolderName(variant.source));
    return isCompleteSynthetic(dir) ? dir : null;
  }
  const id = typeof variant === 'string' ? variant : variant.id;
  const folder = safeModelFolder(id);
  const dir = path.join(modelsDir(root), folder);
  const record = readCompletion(dir);
  if (record && completionIntact(dir, record)) return record.modelDir !== undefined ? path.join(dir, record.modelDir) : runnableDir(dir);
  if (typeof variant === 'string') {
    const synth = path.join(root, 'synthetic', folder);
    if (isCompleteSynthetic(synth)) return synth;
  }
  return null;
}

/** Whether `name` (an id, folder or model name, as a user types it; case-insensitive) names entry `e`. */
export function entryMatches(e: CacheEntry, name: string): boolean {
  const want = name.toLowerCase();
  const folder = isSafeModelId(name) ? safeModelFolder(name) : null;
  return e.id.toLowerCase() === want || e.folder.toLowerCase() === want || (folder !== null && e.folder === folder) || e.modelName?.toLowerCase() === want;
}

/**
 * Finds a complete model by what a user would type: a variant id, a folder name, or a
 * custom model's name. Downloads win over synthetic, custom, then Foundry's.
 */
export function findCachedModel(name: string, opts: CacheOptions = {}): CacheEntry | null {
  return listCache(opts).find((e) => e.complete && entryMatches(e, name)) ?? null;
}
