/**
 * A folder that appears whole or not at all: it is written as `<dir>.partial-<pid>-<ms>` beside
 * its destination and renamed into place when complete (synthetic builds in build-model.ts,
 * quantised models in lib/quantize/quantize-model.ts). A temporary folder whose process is gone
 * was abandoned (kill -9, a crash) and is removed before the next build of the same folder;
 * `slmlab cache clean` removes the others (clean.ts, with synthetic-folder.ts's buildTempPid).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pidAlive } from '../util/pid-alive';

/** The temporary name this process writes `dir` under. */
export function temporaryFolder(dir: string): string {
  return `${dir}.partial-${process.pid}-${Date.now()}`;
}

/** Removes `<dir>.partial-<pid>-<ms>` folders left by builds whose process is gone. */
export function removeAbandonedBuilds(dir: string): string[] {
  const parent = path.dirname(dir);
  const prefix = path.basename(dir) + '.partial-';
  const removed: string[] = [];
  let names: string[];
  try { names = fs.readdirSync(parent); } catch { return removed; }
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)-\d+$/.exec(name.slice(prefix.length)) : null;
    if (!m || pidAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(parent, name), { recursive: true, force: true });
    removed.push(path.join(parent, name));
  }
  return removed;
}
