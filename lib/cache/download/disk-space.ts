/**
 * Disk space: checked before a download starts (statfs: f_bavail blocks of f_bsize bytes
 * are free to unprivileged users, POSIX statvfs), and ENOSPC from any write turned into a
 * DiskFullError that names the folder and how much more is needed.
 */
import { formatBytes } from '../../util/format-bytes';
import * as fs from 'node:fs';
import { DiskFullError } from '../../errors';

/** Bytes free for this user on the file system holding `dir`, or null when it cannot be known. */
export function freeBytes(dir: string): number | null {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

export { formatBytes };

export function diskFullError(path: string, neededBytes: number | null, cause?: unknown): DiskFullError {
  const need = neededBytes !== null ? ` ${formatBytes(neededBytes)} more are needed there.` : '';
  return new DiskFullError(`the disk holding '${path}' is full.${need} Free space (\`slmlab cache clean\` removes partial downloads) or point SLMLAB_CACHE_DIR at a larger disk, then run again: the download resumes`, path, neededBytes, { cause });
}

/** Throws DiskFullError when fewer than `neededBytes` are free at `dir` (unknown free space passes). */
export function ensureFreeSpace(dir: string, neededBytes: number, free: number | null = freeBytes(dir)): void {
  if (free !== null && neededBytes > free) throw diskFullError(dir, neededBytes - free);
}

export function isNoSpace(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
