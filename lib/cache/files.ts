/**
 * Small file-system helpers shared by the cache modules: walking a folder, its size,
 * removing trees, and whether a process id is alive (for stale locks and temp folders).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface FileEntry { path: string; size: number }

/** Every regular file under `dir`, with posix paths relative to it, sorted. Missing dir → []. */
export function walkFiles(dir: string, maxDepth = 32): FileEntry[] {
  const out: FileEntry[] = [];
  const walk = (d: string, prefix: string, depth: number) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) { if (depth < maxDepth) walk(full, `${prefix}${e.name}/`, depth + 1); }
      else if (e.isFile()) {
        try { out.push({ path: prefix + e.name, size: fs.statSync(full).size }); } catch { /* vanished */ }
      }
    }
  };
  walk(dir, '', 0);
  return out;
}

/** Total bytes of the regular files under `dir`. */
export function dirSize(dir: string): number {
  return walkFiles(dir).reduce((a, f) => a + f.size, 0);
}

export function isDir(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}

/** Removes `p` (file or tree); returns the bytes it held. */
export function removeTree(p: string): number {
  let bytes = 0;
  try {
    const st = fs.lstatSync(p);
    bytes = st.isDirectory() ? dirSize(p) : st.size;
  } catch { return 0; }
  fs.rmSync(p, { recursive: true, force: true });
  return bytes;
}

export { pidAlive } from '../util/pid-alive';

/** Reads a JSON object, or null when the file is missing or not a JSON object. */
export function readJsonObject(file: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : null;
  } catch {
    return null;
  }
}

/** Writes JSON to `file` through a temp file + fsync + rename, so readers never see half of it. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, JSON.stringify(value, null, 2) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
