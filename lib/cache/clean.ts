/**
 * Frees disk space: partial downloads (downloads/*.partial), abandoned synthetic builds
 * (buildModel's `<id>.partial-<pid>-<ms>` folders whose process is gone), stale locks, and
 * optionally every downloaded or synthetic variant not in a keep-list. Anything a live
 * process is working on (its lock is fresh) is kept and reported. Bring-your-own folders and
 * Foundry Local's cache are never touched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pidAlive, removeTree } from './files';
import { cacheDir as defaultCacheDir, downloadsDir, locksDir, modelsDir } from './location';
import { entryMatches, listCache, type CacheOptions } from './list';
import { DEFAULT_STALE_MS, lockFile, readLock, staleReason } from './lock';
import type { RemovedItem } from './remove';
import { buildTempPid } from './synthetic-folder';

export interface CleanOptions extends CacheOptions {
  /** Remove partial downloads, abandoned builds and stale locks (default true). */
  partial?: boolean;
  /** Also remove every downloaded/synthetic variant whose id or folder is not listed here. */
  unusedExcept?: string[];
  /** Report what would go, remove nothing. */
  dryRun?: boolean;
  /** Locks untouched this long are stale (default 10 minutes). */
  staleMs?: number;
}

export interface CleanResult {
  removed: RemovedItem[];
  freedBytes: number;
  /** Paths left alone because a live process holds their lock. */
  busy: string[];
}

export function cleanCache(opts: CleanOptions = {}): CleanResult {
  const root = path.resolve(opts.cacheDir ?? defaultCacheDir(opts.env ?? process.env));
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
  const removed: RemovedItem[] = [];
  const busy: string[] = [];
  const drop = (p: string, kind: RemovedItem['kind']) => {
    if (!p.startsWith(root + path.sep)) return; // never outside the cache
    const bytes = opts.dryRun ? sizeOf(p) : removeTree(p);
    removed.push({ path: p, kind, bytes });
  };
  const live = (folder: string, kind: 'downloaded' | 'synthetic' = 'downloaded') => {
    const file = lockFile(root, folder, kind);
    return readLock(file) !== null && staleReason(file, staleMs) === null;
  };

  if (opts.partial ?? true) {
    const downloads = downloadsDir(root);
    for (const name of readdir(downloads)) {
      const p = path.join(downloads, name);
      const folder = name.endsWith('.partial') ? name.slice(0, -'.partial'.length) : name;
      if (live(folder)) { busy.push(p); continue; }
      drop(p, 'partial');
    }
    // Abandoned temp folders of builds (synthetic/) and of quantise / register (models/): issue 21.
    for (const parent of [path.join(root, 'synthetic'), modelsDir(root)]) {
      for (const name of readdir(parent)) {
        const pid = buildTempPid(name);
        if (pid !== null && !pidAlive(pid)) drop(path.join(parent, name), 'partial');
      }
    }
    const locks = locksDir(root);
    for (const name of readdir(locks)) {
      const p = path.join(locks, name);
      if (!name.endsWith('.lock') || staleReason(p, staleMs) !== null) drop(p, 'lock');
    }
  }

  if (opts.unusedExcept) {
    const keep = opts.unusedExcept;
    for (const e of listCache({ ...opts, cacheDir: root, foundryDir: null, modelDirs: [] })) {
      if ((e.kind !== 'downloaded' && e.kind !== 'synthetic') || e.partial) continue;
      if (keep.some((k) => entryMatches(e, k))) continue;
      if (live(e.folder, e.kind)) { busy.push(e.dir); continue; }
      drop(e.dir, e.kind);
    }
  }
  return { removed, freedBytes: removed.reduce((a, r) => a + r.bytes, 0), busy };
}

function readdir(dir: string): string[] {
  try { return fs.readdirSync(dir).sort(); } catch { return []; }
}

function sizeOf(p: string): number {
  try {
    const st = fs.statSync(p);
    if (!st.isDirectory()) return st.size;
  } catch { return 0; }
  let total = 0;
  for (const e of fs.readdirSync(p, { withFileTypes: true })) total += sizeOf(path.join(p, e.name));
  return total;
}
