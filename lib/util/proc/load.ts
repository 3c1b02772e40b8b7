/**
 * How busy the machine is, from /proc (proc(5)): the 1-minute load average (/proc/loadavg),
 * CPU pressure (/proc/pressure/cpu "some avg10": the share of the last 10 s in which at least
 * one runnable task waited for a CPU, Linux >= 4.20 with PSI on; null where absent), and the
 * CPU tick counters of /proc/stat's "cpu" line, whose difference between two readings gives
 * the steal share (time a hypervisor gave this VM's CPUs to someone else) and the busy share.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { PROC_ROOT, readProcFile } from './read';

export interface LoadReading {
  /** Epoch ms of the reading. */
  atMs: number;
  /** 1-minute load average; null off Linux. */
  load1: number | null;
  /** /proc/pressure/cpu "some avg10", percent; null where PSI is absent. */
  cpuPressureSome10: number | null;
  /** Ticks of the "cpu" line: steal and the sum of all fields; null off Linux. */
  ticks: { steal: number; total: number; idle: number } | null;
  logicalCores: number;
}

export function readLoad(root = PROC_ROOT): LoadReading {
  const avg = readProcFile(path.join(root, 'loadavg'));
  const load1 = avg === null ? null : Number(avg.split(/\s+/)[0]);
  const psi = readProcFile(path.join(root, 'pressure', 'cpu'));
  const m = psi === null ? null : /^some\s.*\bavg10=([\d.]+)/m.exec(psi);
  const stat = readProcFile(path.join(root, 'stat'));
  let ticks: LoadReading['ticks'] = null;
  const line = stat?.split('\n').find((l) => l.startsWith('cpu '));
  if (line) {
    // user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (f.length === 8 && f.every(Number.isFinite)) ticks = { steal: f[7], total: f.reduce((a, b) => a + b, 0), idle: f[3] + f[4] };
  }
  return {
    atMs: Date.now(), load1: load1 !== null && Number.isFinite(load1) ? load1 : null,
    cpuPressureSome10: m ? Number(m[1]) : null, ticks, logicalCores: os.availableParallelism(),
  };
}

/** Percent of CPU time stolen between two readings; null when unknown or no tick passed. */
export function stealPercent(before: LoadReading, after: LoadReading): number | null {
  if (!before.ticks || !after.ticks) return null;
  const total = after.ticks.total - before.ticks.total;
  return total > 0 ? (100 * (after.ticks.steal - before.ticks.steal)) / total : null;
}

/** Percent of CPU time busy (not idle or iowait) on the whole machine between two readings. */
export function busyPercent(before: LoadReading, after: LoadReading): number | null {
  if (!before.ticks || !after.ticks) return null;
  const total = after.ticks.total - before.ticks.total;
  return total > 0 ? (100 * (total - (after.ticks.idle - before.ticks.idle))) / total : null;
}

/** "Busy": the 1-minute load above half the logical cores (the threshold the grid warns at). */
export function isBusy(r: LoadReading): boolean {
  return r.load1 !== null && r.load1 > r.logicalCores / 2;
}
