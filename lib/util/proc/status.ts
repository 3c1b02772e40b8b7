/**
 * A process's resident memory from /proc/<pid>/status (proc(5)): VmRSS, the resident set now,
 * and VmHWM, its high-water mark since the process started (the kernel keeps it: no sample
 * can miss the peak). Shared pages (the model file mapped by two processes) count in both.
 */
import * as path from 'node:path';
import { kbFields, PROC_ROOT, readProcFile } from './read';

export interface ProcMemory {
  pid: number;
  /** VmRSS: resident now. */
  rssBytes: number;
  /** VmHWM: the largest VmRSS since the process started. */
  hwmBytes: number;
}

export function readProcMemory(pid: number, root = PROC_ROOT): ProcMemory | null {
  const text = readProcFile(path.join(root, String(pid), 'status'));
  if (text === null) return null;
  const f = kbFields(text);
  const rss = f.get('VmRSS');
  if (rss === undefined) return null; // a zombie or a kernel thread
  return { pid, rssBytes: rss, hwmBytes: f.get('VmHWM') ?? rss };
}
