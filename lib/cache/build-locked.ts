/**
 * `slmlab model build` into the cache under the same lock that ensureSynthetic takes
 * (locks/synthetic.<id>.lock), so two builds of one model at once share the work: the second
 * waits for the first, then finds the folder finished and reuses it. A build into a folder
 * outside the cache (--out) is not locked: the cache may not even be writable.
 */
import * as path from 'node:path';
import { buildModel, buildTarget, type BuildOptions, type BuildReport } from './build-model';
import { cacheDir as defaultCacheDir } from './location';
import { acquireLock, lockFile, type LockInfo } from './lock';

export interface LockedBuildOptions {
  cacheDir?: string;
  /** Called once when another process holds the build lock and this one waits. */
  onWait?: (holder: LockInfo | null) => void;
  signal?: AbortSignal;
}

export async function buildUnderLock(options: BuildOptions, o: LockedBuildOptions = {}): Promise<BuildReport> {
  const { id, dir } = buildTarget(options);
  const root = path.resolve(o.cacheDir ?? defaultCacheDir());
  if (!dir.startsWith(root + path.sep)) return buildModel(options);
  const { lock } = await acquireLock(lockFile(root, path.basename(dir), 'synthetic'), id, { onWait: o.onWait, signal: o.signal });
  try {
    return await buildModel({ ...options, onProgress: (p) => { lock.touch(); options.onProgress?.(p); } });
  } finally {
    lock.release();
  }
}
