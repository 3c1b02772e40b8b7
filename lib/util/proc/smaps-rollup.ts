/**
 * Proportional and unique memory from /proc/<pid>/smaps_rollup (Linux >= 4.14; readable by the
 * process's owner): PSS charges each shared page to its sharers in equal parts, USS
 * (Private_Clean + Private_Dirty) is what the process alone holds — what freeing it would
 * give back. Reading it walks the page tables: a few ms for a large model, so sample it sparingly.
 */
import * as path from 'node:path';
import { kbFields, PROC_ROOT, readProcFile } from './read';

export interface ProcSharing {
  pid: number;
  pssBytes: number;
  ussBytes: number;
}

export function readProcSharing(pid: number, root = PROC_ROOT): ProcSharing | null {
  const text = readProcFile(path.join(root, String(pid), 'smaps_rollup'));
  if (text === null) return null;
  const f = kbFields(text);
  const pss = f.get('Pss');
  if (pss === undefined) return null;
  return { pid, pssBytes: pss, ussBytes: (f.get('Private_Clean') ?? 0) + (f.get('Private_Dirty') ?? 0) };
}
