/**
 * "Downloading" a synthetic variant means building it: buildModel with the source's shape,
 * precision, block size and seed, into <cacheDir>/synthetic/<syntheticId>, reusing a finished
 * folder. A lock (synthetic.<id>.lock) keeps two processes from building the same model at
 * once (buildModel replaces an existing destination when it renames its temp folder).
 * buildModel cannot be interrupted: the signal is checked before the build starts only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CatalogVariant, SyntheticSource } from '../../catalog/types';
import { AbortedError } from '../../errors';
import { buildModel } from '../build-model';
import { acquireLock, lockFile } from '../lock';
import { isCompleteSynthetic, syntheticDamage, syntheticFolderName } from '../synthetic-folder';
import type { ProgressTracker } from './progress';

export interface SyntheticEnsureOptions {
  root: string;
  tracker: ProgressTracker;
  signal?: AbortSignal;
  lock?: { staleMs?: number; pollMs?: number };
  /** Rebuild even when an intact build is there. */
  force?: boolean;
}

export async function ensureSynthetic(variant: CatalogVariant & { source: SyntheticSource }, o: SyntheticEnsureOptions): Promise<{ dir: string; downloaded: boolean; repaired?: string }> {
  const name = syntheticFolderName(variant.source);
  const dir = path.join(o.root, 'synthetic', name);
  if (!o.force && isCompleteSynthetic(dir)) return { dir, downloaded: false };
  if (o.signal?.aborted) throw new AbortedError('build aborted by the caller');
  const { lock } = await acquireLock(lockFile(o.root, name, 'synthetic'), variant.id, { ...o.lock, signal: o.signal });
  try {
    if (!o.force && isCompleteSynthetic(dir)) return { dir, downloaded: false };
    const damage = fs.existsSync(dir) ? syntheticDamage(dir) : null;
    o.tracker.phase('building', name);
    const s = variant.source;
    let total = 0;
    await buildModel({
      shape: s.shape, precision: s.precision, blockSize: s.blockSize, seed: s.seed, out: dir,
      force: fs.existsSync(dir),
      onProgress: (p) => { total = p.totalBytes; o.tracker.building(p.doneBytes, p.totalBytes); lock.touch(); },
    });
    if (total > 0) o.tracker.building(total, total); // the last tensor's bytes may not add up to totalBytes (alignment)
    return { dir, downloaded: true, ...(damage ? { repaired: damage } : {}) };
  } finally {
    lock.release();
  }
}
