/**
 * Reads one file under /proc (proc(5): https://man7.org/linux/man-pages/man5/proc.5.html; PSI:
 * https://docs.kernel.org/accounting/psi.html), or null when it cannot be read (not Linux, the process is gone,
 * or the file is not ours to read). Every reader in this folder goes through it.
 */
import * as fs from 'node:fs';

/** Root of the proc filesystem; tests point it elsewhere only through the readers' `root` argument. */
export const PROC_ROOT = '/proc';

export function readProcFile(file: string): string | null {
  try { return fs.readFileSync(file, 'utf8'); } catch { return null; }
}

/** The "Key:   1234 kB" lines of /proc/<pid>/status or smaps_rollup, as bytes (kB values × 1024). */
export function kbFields(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)\s*kB/.exec(line);
    if (m) out.set(m[1], Number(m[2]) * 1024);
  }
  return out;
}
