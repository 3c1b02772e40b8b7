/**
 * The sweep profile, as GuideLLM's (profiles/sweep.py): a synchronous level (one client),
 * then a throughput level (many clients at once), then `size - 2` open-loop rates spaced
 * evenly between the two request rates measured: linspace(syncRate, maxRate, size)[1:-1].
 * Pure; `measure` runs (or re-reads) a level and returns its request rate.
 */
export type SweepLevel = { kind: 'concurrency'; concurrency: number } | { kind: 'rate'; rate: number };

export interface SweepOptions {
  /** Levels in all, >= 3 (default 10, as GuideLLM). */
  size?: number;
  /** Clients of the throughput level (default 16). */
  throughputConcurrency?: number;
  /** Runs a level; returns its measured requests per second (null when nothing completed). */
  measure: (level: SweepLevel) => Promise<number | null>;
}

export interface SweepResult { levels: SweepLevel[]; syncRate: number | null; maxRate: number | null }

/** `n` evenly spaced values from a to b inclusive (numpy.linspace). */
export function linspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [a];
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/** Rates are rounded to 3 significant digits, so a level's settings (and its cellId) read well and resume. */
export const roundRate = (r: number): number => Number(r.toPrecision(3));

export async function sweep(o: SweepOptions): Promise<SweepResult> {
  const size = Math.max(3, o.size ?? 10);
  const sync: SweepLevel = { kind: 'concurrency', concurrency: 1 };
  const thr: SweepLevel = { kind: 'concurrency', concurrency: o.throughputConcurrency ?? 16 };
  const syncRate = await o.measure(sync);
  const maxRate = await o.measure(thr);
  const levels: SweepLevel[] = [sync, thr];
  if (syncRate !== null && maxRate !== null && maxRate > syncRate) {
    const rates = [...new Set(linspace(syncRate, maxRate, size).slice(1, -1).map(roundRate))];
    for (const rate of rates) { levels.push({ kind: 'rate', rate }); await o.measure({ kind: 'rate', rate }); }
  }
  return { levels, syncRate, maxRate };
}
