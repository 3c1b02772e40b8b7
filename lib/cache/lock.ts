/**
 * One lock file per variant: <cacheDir>/locks/<folder>.lock, created with O_CREAT|O_EXCL
 * (fs 'wx': creation fails if it exists, atomically, also on NFSv3+), holding
 * {pid, host, startedAt, variantId, token}. The holder touches its mtime as work progresses.
 * A lock is stale when its process is dead (same host: kill(pid, 0) fails with ESRCH) or
 * when it has not been touched for `staleMs` (another host, or a hung process).
 *
 * Two processes that want the same variant share the work: the second waits until the lock
 * goes away, then takes it and finds the folder finished (or resumes the partial download
 * if the first one failed). Breaking a stale lock renames it aside first and checks that
 * what it moved is the lock it judged stale, so a fresh lock taken in between is restored.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AbortedError } from '../errors';
import { pidAlive, readJsonObject } from './files';
import { locksDir } from './location';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  variantId: string;
  token: string;
}

export interface LockOptions {
  /** A lock untouched this long counts as abandoned (default 10 minutes). */
  staleMs?: number;
  /** How often a waiter looks again (default 200 ms). */
  pollMs?: number;
  signal?: AbortSignal;
  /** Called once when this process starts waiting for another holder. */
  onWait?: (holder: LockInfo | null) => void;
  /** Called at every poll while waiting (e.g. to report the holder's progress). */
  onPoll?: () => void;
}

export const DEFAULT_STALE_MS = 10 * 60_000;

/** Downloads lock `<folder>.lock`; synthetic builds `synthetic.<id>.lock` (names never collide). */
export function lockFile(root: string, folder: string, kind: 'downloaded' | 'synthetic' = 'downloaded'): string {
  return path.join(locksDir(root), `${kind === 'synthetic' ? 'synthetic.' : ''}${folder}.lock`);
}

export class HeldLock {
  private lastTouch = Date.now();
  constructor(readonly file: string, readonly info: LockInfo) {}

  /** Marks progress (updates the lock's mtime), at most once a second. */
  touch(): void {
    const now = Date.now();
    if (now - this.lastTouch < 1000) return;
    this.lastTouch = now;
    try { fs.utimesSync(this.file, new Date(now), new Date(now)); } catch { /* removed by a cleaner: nothing to do */ }
  }

  /** Removes the lock if it is still ours. */
  release(): void {
    const current = readLock(this.file);
    if (current && current.token !== this.info.token) return;
    try { fs.unlinkSync(this.file); } catch { /* already gone */ }
  }
}

export function readLock(file: string): LockInfo | null {
  const v = readJsonObject(file);
  if (!v || typeof v.pid !== 'number' || typeof v.token !== 'string') return null;
  return v as unknown as LockInfo;
}

/** Why a lock is stale, or null when it is live (or missing). */
export function staleReason(file: string, staleMs = DEFAULT_STALE_MS): string | null {
  let mtime: number;
  try { mtime = fs.statSync(file).mtimeMs; } catch { return null; }
  const info = readLock(file);
  if (info && info.host === os.hostname() && !pidAlive(info.pid)) return `process ${info.pid} is no longer running`;
  const age = Date.now() - mtime;
  if (age > staleMs) return `no progress for ${Math.round(age / 1000)} s`;
  return null;
}

/** Creates the lock if nobody holds it; null when it exists. */
export function tryLock(file: string, variantId: string): HeldLock | null {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw e;
  }
  const info: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), variantId, token: crypto.randomUUID() };
  try {
    fs.writeSync(fd, JSON.stringify(info));
  } finally {
    fs.closeSync(fd);
  }
  return new HeldLock(file, info);
}

/** Removes a stale lock; true when it was removed (or had gone already). */
export function breakStaleLock(file: string, staleMs = DEFAULT_STALE_MS): boolean {
  const judged = readLock(file);
  if (staleReason(file, staleMs) === null) return !fs.existsSync(file);
  const aside = `${file}.stale-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try { fs.renameSync(file, aside); } catch { return !fs.existsSync(file); }
  const moved = readLock(aside);
  if (judged && moved && moved.token !== judged.token) {
    // A fresh lock was taken between the check and the rename: put it back.
    try { fs.linkSync(aside, file); } catch { /* a third one exists: leave it */ }
  }
  try { fs.unlinkSync(aside); } catch { /* gone */ }
  return !fs.existsSync(file);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(new AbortedError('download aborted by the caller')); return; }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(new AbortedError('download aborted by the caller')); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Takes the lock, waiting while another live process holds it and breaking it when stale.
 * `waited` says whether someone else held it first (their work may have finished the job).
 */
export async function acquireLock(file: string, variantId: string, opts: LockOptions = {}): Promise<{ lock: HeldLock; waited: boolean }> {
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
  const pollMs = opts.pollMs ?? 200;
  let waited = false;
  for (;;) {
    if (opts.signal?.aborted) throw new AbortedError('download aborted by the caller');
    const lock = tryLock(file, variantId);
    if (lock) return { lock, waited };
    if (!waited) { waited = true; opts.onWait?.(readLock(file)); }
    if (staleReason(file, staleMs) !== null) { breakStaleLock(file, staleMs); continue; }
    opts.onPoll?.();
    await sleep(pollMs, opts.signal);
  }
}
