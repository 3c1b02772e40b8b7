/**
 * Removes one model from slmlab's cache, by id, folder or name. Folders slmlab does not own
 * are refused with a typed error that names who owns them: Foundry Local's cache (remove with
 * `foundry cache remove <model>`, https://github.com/microsoft/Foundry-Local) and bring-your-own roots outside the
 * cache. Every path removed is checked to lie inside the cache first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CacheReadOnlyError, InvalidRequestError, ModelNotFoundError } from '../errors';
import { removeTree } from './files';
import { cacheDir as defaultCacheDir, downloadsDir } from './location';
import { entryMatches, listCache, type CacheKind, type CacheOptions } from './list';
import { lockFile, readLock, staleReason } from './lock';
import { resolveInside, safeModelFolder } from './safe-name';
import { shapeNames } from '../synth/shapes';

export interface RemovedItem { path: string; kind: CacheKind | 'partial' | 'lock'; bytes: number }
export interface RemoveResult { removed: RemovedItem[]; freedBytes: number }

/** Throws when another live process holds the variant's lock (it is downloading or building it). */
export function assertNotBusy(root: string, folder: string, what: string, kind: 'downloaded' | 'synthetic' = 'downloaded'): void {
  const file = lockFile(root, folder, kind);
  const holder = readLock(file);
  if (holder && staleReason(file) === null) {
    throw new InvalidRequestError(`'${what}' is being downloaded or built by process ${holder.pid} on ${holder.host}: wait for it to finish (or stop it), then remove it`, 'model');
  }
}

/**
 * A shape name ('tiny', 'qwen2.5-0.5b') names a synthetic twin, whose builds sit in the cache
 * under their own ids (tiny-int4-b32): say so, and name them (issue 21: `cache remove tiny`
 * said "not in the cache" next to a built tiny).
 */
function syntheticShapeMessage(name: string, root: string, opts: CacheOptions): Error | null {
  if (!shapeNames().includes(name.toLowerCase())) return null;
  const builds = listCache(opts).filter((e) => e.kind === 'synthetic' && !e.partial && e.folder.toLowerCase().startsWith(`${name.toLowerCase()}-`)).map((e) => e.folder);
  if (!builds.length) {
    return new ModelNotFoundError(`'${name}' is a synthetic twin (built by \`slmlab model build ${name}\`, never downloaded), and no build of it is in the cache (${root}): nothing to remove`);
  }
  return new InvalidRequestError(`'${name}' is a synthetic twin's shape, not one cache entry: its builds here are ${builds.join(', ')}. ` +
    `Remove one by that name (\`slmlab cache remove ${builds[0]}\`); \`slmlab model build ${name}\` builds it again`, 'model');
}

export function removeFromCache(idOrFolder: string, opts: CacheOptions = {}): RemoveResult {
  const root = path.resolve(opts.cacheDir ?? defaultCacheDir(opts.env ?? process.env));
  const hits = listCache(opts).filter((e) => entryMatches(e, idOrFolder));
  if (hits.length === 0) {
    safeModelFolder(idOrFolder); // names that could escape the cache get a typed refusal, not "not found"
    const twin = syntheticShapeMessage(idOrFolder, root, opts);
    if (twin) throw twin;
    throw new ModelNotFoundError(`'${idOrFolder}' is not in the cache (${root}): run \`slmlab cache list\` to see what is there`);
  }
  const writable = hits.filter((e) => !e.readOnly);
  if (writable.length === 0) {
    const e = hits[0];
    if (e.kind === 'foundry') {
      throw new CacheReadOnlyError(`'${e.id}' is in Foundry Local's cache (${e.dir}), which slmlab only reads: remove it with \`foundry cache remove ${e.id}\``);
    }
    throw new CacheReadOnlyError(`'${e.id}' is a bring-your-own folder outside slmlab's cache (${e.dir}); slmlab does not delete it: delete the folder yourself or take its root out of SLMLAB_MODEL_DIRS`);
  }

  const removed: RemovedItem[] = [];
  for (const e of writable) {
    const rel = path.relative(root, e.dir);
    const dir = resolveInside(root, rel);
    if (!fs.existsSync(dir)) continue; // went with an earlier entry
    if (e.kind === 'downloaded' || e.kind === 'synthetic') assertNotBusy(root, e.folder, e.id, e.kind);
    removed.push({ path: dir, kind: e.partial && e.kind === 'downloaded' ? 'partial' : e.kind, bytes: removeTree(dir) });
    if (e.kind === 'downloaded' && !e.partial) {
      // A leftover partial download of the same variant goes too.
      const partial = resolveInside(downloadsDir(root), `${e.folder}.partial`);
      const bytes = removeTree(partial);
      if (bytes > 0) removed.push({ path: partial, kind: 'partial', bytes });
    }
  }
  return { removed, freedBytes: removed.reduce((a, r) => a + r.bytes, 0) };
}
