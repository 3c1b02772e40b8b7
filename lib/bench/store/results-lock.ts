/**
 * One writer per results file (issue 21: two `slmlab bench` runs into one --out both wrote,
 * every request twice, each measured under the other's load). A run holds `<file>.lock`,
 * created with O_CREAT|O_EXCL ('wx'), holding {pid, host, startedAt, argv}. A second run
 * refuses, naming the first's pid. A lock is the first run's only while that pid is alive on
 * this host and is a Node process (its /proc/<pid>/cmdline, where there is one, names node or
 * slmlab): otherwise it is stale (the run was killed) and is taken over.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SlmlabError } from '../../errors';
import { pidAlive } from '../../cache/files';

export interface ResultsLockInfo { pid: number; host: string; startedAt: string; argv: string[] }

/** Another run writes this results file now. */
export class ResultsLockedError extends SlmlabError {
  constructor(readonly file: string, readonly holder: ResultsLockInfo) {
    super('results_locked', `${file} is being written by another run (pid ${holder.pid}, since ${holder.startedAt}): ` +
      `wait for it to finish (or stop it), or choose another --out. If no such run exists, remove ${file}.lock`, 409);
  }
}

export const lockPathOf = (file: string) => `${path.resolve(file)}.lock`;

function readInfo(lock: string): ResultsLockInfo | null {
  try {
    const v = JSON.parse(fs.readFileSync(lock, 'utf8')) as ResultsLockInfo;
    return Number.isInteger(v.pid) && typeof v.host === 'string' ? v : null;
  } catch { return null; }
}

/** Whether `pid` looks like a process of ours: alive, and (where /proc tells) a node or slmlab process. */
export function looksLikeOurs(pid: number): boolean {
  if (!pidAlive(pid)) return false;
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return /node|slmlab/i.test(cmd);
  } catch {
    return true; // no /proc (macOS): alive is all we can know
  }
}

/** Why the lock's holder no longer holds it, or null when it does. */
function staleReason(info: ResultsLockInfo | null): string | null {
  if (!info) return 'unreadable lock file';
  if (info.host !== os.hostname()) return null; // another machine's run: cannot check, respect it
  if (info.pid === process.pid) return null;
  return looksLikeOurs(info.pid) ? null : `pid ${info.pid} is gone`;
}

export interface HeldResultsLock { file: string; release(): void }

/** Takes the results file's lock, or throws ResultsLockedError naming the holder. */
export function lockResults(file: string): HeldResultsLock {
  const lock = lockPathOf(file);
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const info: ResultsLockInfo = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), argv: process.argv.slice(1, 6) };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lock, JSON.stringify(info), { flag: 'wx' });
      let released = false;
      return {
        file: lock,
        release() {
          if (released) return;
          released = true;
          if (readInfo(lock)?.pid === process.pid) fs.rmSync(lock, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readInfo(lock);
    if (staleReason(holder) === null) throw new ResultsLockedError(path.resolve(file), holder!);
    // Stale: move it aside (atomic), so two runs breaking it at once cannot both win.
    const aside = `${lock}.stale-${process.pid}`;
    try { fs.renameSync(lock, aside); fs.rmSync(aside, { force: true }); } catch { /* another run moved it first */ }
  }
  throw new ResultsLockedError(path.resolve(file), readInfo(lock) ?? { pid: 0, host: '?', startedAt: '?', argv: [] });
}
