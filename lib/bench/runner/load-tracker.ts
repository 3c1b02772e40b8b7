/**
 * The machine's load per cell: a reading of /proc (lib/util/proc/load.ts) at the cell's first
 * request and one after its last, turned into the cell line's `load` field. `busyWarning`
 * is the line a grid prints at start when the machine is already busy.
 */
import { busyPercent, isBusy, readLoad, stealPercent, type LoadReading } from '../../util/proc';
import type { CellLoad, LoadPoint } from '../store/cell-record';

const point = (r: LoadReading): LoadPoint => ({ at: new Date(r.atMs).toISOString(), load1: r.load1, cpuPressureSome10: r.cpuPressureSome10 });

export function cellLoad(before: LoadReading, after: LoadReading): CellLoad {
  return {
    before: point(before), after: point(after), stealPercent: stealPercent(before, after), busyPercent: busyPercent(before, after),
    logicalCores: after.logicalCores, underLoad: isBusy(before) || isBusy(after),
  };
}

/** A warning when the machine is busy now (1-minute load above half the cores), else null. */
export function busyWarning(r: LoadReading = readLoad()): string | null {
  if (!isBusy(r)) return null;
  const psi = r.cpuPressureSome10 === null ? '' : `, CPU pressure ${r.cpuPressureSome10.toFixed(0)} %`;
  return `the machine is busy (1-minute load ${r.load1!.toFixed(1)} on ${r.logicalCores} cores${psi}): speeds measured now are slower than on a quiet machine; every cell records its load, and cells measured under load are flagged`;
}

export interface LoadTracker {
  open(key: string): void;
  close(key: string): CellLoad | null;
}

export function loadTracker(read: () => LoadReading = readLoad): LoadTracker {
  const start = new Map<string, LoadReading>();
  return {
    open: (key) => { if (!start.has(key)) start.set(key, read()); },
    close: (key) => {
      const b = start.get(key);
      if (!b) return null;
      start.delete(key);
      return cellLoad(b, read());
    },
  };
}
