/**
 * CPU time of processes from /proc/<pid>/stat (proc(5)): utime + stime are the process's own
 * (all its threads), cutime + cstime those of its children that exited AND were waited for
 * (Node's child_process waits for every child it forks), in clock ticks (USER_HZ, 100 on
 * every Linux build Node runs on; `getconf CLK_TCK`).
 *
 * treeCpuSeconds(pid): the process, its reaped children, and every live descendant (found by
 * their parent pid in /proc/<n>/stat). The difference of two readings is the CPU time the tree
 * used in between, including a child that ran and exited meanwhile: its time moves from "live
 * descendant" into the parent's cutime when it is reaped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROC_ROOT, readProcFile } from './read';

export const USER_HZ = 100;

export interface ProcCpu {
  pid: number;
  ppid: number;
  /** utime + stime, seconds. */
  selfSeconds: number;
  /** cutime + cstime (waited-for children), seconds. */
  childrenSeconds: number;
}

/** Fields after the command name (which may hold spaces and parentheses: split after the last ')'). */
export function parseStat(pid: number, text: string): ProcCpu | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const f = text.slice(close + 2).trim().split(/\s+/);
  // f[0] = state (field 3), f[1] = ppid (4), utime (14) = f[11], stime = f[12], cutime = f[13], cstime = f[14].
  const n = (i: number) => Number(f[i]);
  if (f.length < 15 || [1, 11, 12, 13, 14].some((i) => !Number.isFinite(n(i)))) return null;
  return { pid, ppid: n(1), selfSeconds: (n(11) + n(12)) / USER_HZ, childrenSeconds: (n(13) + n(14)) / USER_HZ };
}

export function readProcCpu(pid: number, root = PROC_ROOT): ProcCpu | null {
  const text = readProcFile(path.join(root, String(pid), 'stat'));
  return text === null ? null : parseStat(pid, text);
}

/** Every live process's CPU record, by pid (one pass over /proc). */
function allProcs(root: string): ProcCpu[] {
  let names: string[];
  try { names = fs.readdirSync(root); } catch { return []; }
  const out: ProcCpu[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const c = readProcCpu(Number(n), root);
    if (c) out.push(c);
  }
  return out;
}

export interface TreeCpu {
  /** The root, its reaped children and its live descendants, seconds; null when /proc is not readable. */
  seconds: number | null;
  /** The pids counted (the root first). */
  pids: number[];
}

export function treeCpuSeconds(pid: number = process.pid, root = PROC_ROOT): TreeCpu {
  const top = readProcCpu(pid, root);
  if (!top) return { seconds: null, pids: [] };
  const procs = allProcs(root);
  const children = new Map<number, ProcCpu[]>();
  for (const p of procs) { const l = children.get(p.ppid); if (l) l.push(p); else children.set(p.ppid, [p]); }
  let seconds = top.selfSeconds + top.childrenSeconds;
  const pids = [pid];
  const stack = [...(children.get(pid) ?? [])];
  while (stack.length) {
    const p = stack.pop()!;
    seconds += p.selfSeconds + p.childrenSeconds;
    pids.push(p.pid);
    stack.push(...(children.get(p.pid) ?? []));
  }
  return { seconds, pids };
}
