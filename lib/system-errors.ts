/**
 * System errors (fs calls raise plain Errors with an errno `code`) as the typed errors they
 * mean for a user. Kept apart from errors.ts so that browser bundles can import the error
 * classes without node:fs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CacheReadOnlyError, DiskFullError, SlmlabError } from './errors';

const READ_ONLY = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * A system error from the file system (fs calls raise plain Errors with an errno `code`) as the
 * typed error it means for the user: ENOSPC is a full disk (DiskFullError), EACCES / EPERM /
 * EROFS a folder slmlab may not write (CacheReadOnlyError, exit 7). Anything else is returned
 * unchanged. The CLI and the service apply it to whatever reaches them.
 */
export function fromSystemError(e: unknown): unknown {
  if (e instanceof SlmlabError || !(e instanceof Error)) return e;
  const raw = e as NodeJS.ErrnoException;
  const err: NodeJS.ErrnoException = { name: raw.name, message: raw.message, code: errnoCode(raw), syscall: raw.syscall, path: raw.path };
  const where = err.path ? ` ${err.path}` : '';
  if (err.code === 'ENOSPC') return new DiskFullError(`the disk is full (writing${where}): free some space, or set SLMLAB_CACHE_DIR to a disk with room`, err.path ?? '', null, { cause: e });
  // Node's recursive mkdir reports ENOENT, not EROFS, when a parent on a read-only mount cannot be made.
  const readOnlyParent = err.code === 'ENOENT' && err.syscall === 'mkdir' && err.path !== undefined && !writableAncestor(err.path);
  if ((err.code && READ_ONLY.has(err.code) && err.syscall !== 'kill') || readOnlyParent) {
    const ce = new CacheReadOnlyError(`cannot write${where}: the folder is read-only (${readOnlyParent ? "EROFS" : err.code}): make it writable, or set SLMLAB_CACHE_DIR (or --out) to a folder you can write`);
    (ce as { cause?: unknown }).cause = e;
    return ce;
  }
  // A folder wanted where a file is (--out under a regular file): the path is the user's to fix (exit 2; issue 21).
  const fileInTheWay = err.code === 'ENOTDIR' || (err.code === 'EEXIST' && err.syscall === 'mkdir');
  if (fileInTheWay && err.path !== undefined) {
    const file = fileAncestor(err.path);
    return new SlmlabError('usage', `cannot make the folder ${err.path}: ${file ?? 'a part of that path'} is a file, not a folder: choose another path (e.g. another --out)`, 400, { cause: e });
  }
  return e;
}

/** The first existing path at or above `p` that is a file (not a folder), or null. */
function fileAncestor(p: string): string | null {
  const parts = path.resolve(p).split(path.sep);
  for (let i = 2; i <= parts.length; i++) {
    const q = parts.slice(0, i).join(path.sep) || path.sep;
    try { if (!fs.statSync(q).isDirectory()) return q; } catch { return null; }
  }
  return null;
}

/** strerror texts of the codes above, for errors that carry no code (see errnoCode). */
const BY_TEXT: ReadonlyArray<[RegExp, string]> = [
  [/Read-only file system/i, 'EROFS'], [/Permission denied/i, 'EACCES'], [/Operation not permitted/i, 'EPERM'], [/No space left on device/i, 'ENOSPC'],
];

/**
 * The errno code of a system error. Node >= 22's fs.rmSync (std::filesystem underneath) throws
 * errors with code '' (errno UV_UNKNOWN) and the system's text in the message, e.g.
 * "Unknown error: Read-only file system '/path'": the code is then read from that text.
 */
export function errnoCode(err: NodeJS.ErrnoException): string | undefined {
  if (err.code && err.code !== 'UNKNOWN') return err.code;
  return BY_TEXT.find(([re]) => re.test(err.message ?? ''))?.[1] ?? (err.code || undefined);
}

/** False when the nearest existing folder above `p` cannot be written. */
function writableAncestor(p: string): boolean {
  let dir = path.resolve(p);
  for (;;) {
    const up = path.dirname(dir);
    if (up === dir) return true;
    dir = up;
    if (!fs.existsSync(dir)) continue;
    try {
      fs.accessSync(dir, fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }
}

