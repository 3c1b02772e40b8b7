/**
 * --find-max: the highest load whose requests meet the SLO, as GuideLLM's goodput profile
 * searches it: double the load until a level fails, then bisect between the last level that
 * passed and the first that failed. The search is pure; `measure` runs (or re-reads) a level.
 *
 * Judging a level: the share of its requests that meet the SLO, with a Wilson 95 % interval
 * (stats/wilson.ts), against the target share (default 0.9, "90 % of requests within SLO"):
 * pass when the interval's low end reaches the target, fail when its high end is below it,
 * and otherwise (too few requests to tell) by the point estimate, marked inconclusive so the
 * report can say more requests per level would settle it.
 *
 * Concurrency is searched over integers (bisect until adjacent); a rate until the bracket is
 * within `resolution` (default 10 %) of the passing rate.
 */
import type { Proportion } from '../stats/wilson';

export type Verdict = 'pass' | 'fail' | 'pass (inconclusive)' | 'fail (inconclusive)';

export function sloVerdict(share: Proportion | null, target: number): Verdict {
  if (!share) return 'fail';
  if (share.low >= target) return 'pass';
  if (share.high < target) return 'fail';
  return share.p >= target ? 'pass (inconclusive)' : 'fail (inconclusive)';
}

export const passed = (v: Verdict): boolean => v === 'pass' || v === 'pass (inconclusive)';

export interface SearchStep { load: number; share: Proportion | null; verdict: Verdict }

export interface FindMaxOptions {
  axis: 'concurrency' | 'rate';
  /** First level (default 1). */
  start?: number;
  /** Highest level tried (default 256 clients, or 1000 requests/s). */
  max?: number;
  /** Share of requests that must meet the SLO (default 0.9). */
  target?: number;
  /** Rate search: stop when (fail - pass) / pass <= this (default 0.1). */
  resolution?: number;
  /** Runs the level at `load` and returns the SLO share of its measured requests. */
  measure: (load: number) => Promise<Proportion | null>;
}

export interface FindMaxResult {
  /** The highest load that passed; null when even the first level failed. */
  best: number | null;
  /** The lowest load that failed; null when every level up to max passed. */
  firstFail: number | null;
  steps: SearchStep[];
}

export async function findMax(o: FindMaxOptions): Promise<FindMaxResult> {
  const target = o.target ?? 0.9;
  const integer = o.axis === 'concurrency';
  const max = o.max ?? (integer ? 256 : 1000);
  const steps: SearchStep[] = [];
  const tried = new Map<number, boolean>();
  const test = async (load: number): Promise<boolean> => {
    const known = tried.get(load);
    if (known !== undefined) return known;
    const share = await o.measure(load);
    const verdict = sloVerdict(share, target);
    steps.push({ load, share, verdict });
    tried.set(load, passed(verdict));
    return passed(verdict);
  };

  let lo: number | null = null;
  let hi: number | null = null;
  let load = o.start ?? 1;
  for (;;) {
    if (await test(load)) {
      lo = load;
      if (load >= max) return { best: lo, firstFail: null, steps };
      load = Math.min(max, load * 2);
    } else { hi = load; break; }
  }
  if (lo === null || hi === null) return { best: null, firstFail: hi, steps };
  let pass: number = lo, fail: number = hi;
  const done = () => (integer ? fail - pass <= 1 : (fail - pass) / pass <= (o.resolution ?? 0.1));
  while (!done()) {
    const mid: number = integer ? Math.floor((pass + fail) / 2) : (pass + fail) / 2;
    if (await test(mid)) pass = mid; else fail = mid;
  }
  return { best: pass, firstFail: fail, steps };
}
