/**
 * Statistics of one load level (one load-mode cell), from its request records alone, as
 * serving benchmarks report them (vLLM `bench serve`, GuideLLM). Pure. analysis'
 * summarizeLevels adds the group key; the load profiles (find-max, sweep) judge levels by it.
 *
 * Over the level's measured requests (warmup and cooldown left out):
 * - duration: first send -> last end (sentAtMs .. doneAtMs), summed per run when a level
 *   was resumed; requestsPerSecond = completed ok / duration; outputTokensPerSecond =
 *   Σ completion tokens of ok requests / duration (vLLM's definitions);
 * - meanInFlight = Σ E2E / duration (Little's law: the concurrency the server really saw);
 * - TTFT, TPOT, E2E: mean and the asked percentiles over ok requests; ITL over every gap of
 *   every ok request (numpy's linear percentiles, stats/quantile.ts);
 * - errors, and among them timeouts;
 * - goodput under an SLO (load/slo.ts): good requests, their share with a Wilson 95 %
 *   interval (stats/wilson.ts), good requests/s and good output tok/s;
 * - client lag (load/lag.ts): whether the load generator kept to its schedule.
 */
import { isMeasured, type RequestRecord } from '../store/record';
import { mean } from '../stats/mean';
import { percentiles, DEFAULT_PERCENTILES } from '../stats/quantile';
import { wilsonInterval, type Proportion } from '../stats/wilson';
import { meetsSlo, type Slo } from './slo';
import { lagVerdict, type LagVerdict } from './lag';

/** mean plus one entry per asked percentile: { mean, p50, p90, p95, p99 }. */
export type Distribution = Record<string, number | null>;

export interface Goodput {
  good: number;
  /** Share of measured requests (errors count as not good) with its Wilson 95 % interval. */
  share: Proportion | null;
  requestsPerSecond: number | null;
  outputTokensPerSecond: number | null;
}

export interface LevelStats {
  gridHash: string;
  cellId: string;
  /** "concurrency 4" or "rate 2/s poisson". */
  level: string;
  /** The load axis value: clients (closed loop) or requests/s (open loop). */
  load: number;
  loadKind: 'concurrency' | 'rate';
  requests: number;
  ok: number;
  errors: number;
  timeouts: number;
  durationS: number | null;
  requestsPerSecond: number | null;
  outputTokensPerSecond: number | null;
  meanInFlight: number | null;
  ttftMs: Distribution;
  tpotMs: Distribution;
  itlMs: Distribution;
  e2eMs: Distribution;
  goodput: Goodput | null;
  lag: LagVerdict;
}

export interface LevelOptions {
  /** Percentiles to report, 0-100 (default 50, 90, 95, 99). */
  percentiles?: readonly number[];
  slo?: Slo | null;
}

const TIMEOUT = /time(d)?[ -]?out/i;

function distribution(xs: number[], ps: readonly number[]): Distribution {
  const out: Distribution = { mean: mean(xs) };
  const v = percentiles(xs, ps);
  ps.forEach((p, i) => { out[`p${p}`] = v ? v[i] : null; });
  return out;
}

/**
 * Busy time of a level: each run's window (its first send to its last end), and the length of
 * the union of those windows. A level resumed later adds its second window; the same level run
 * at the same time from several machines (their runs overlap) counts the shared time once, so
 * their requests add up to the cluster's throughput. null without send times.
 */
export function durationMs(rs: readonly Pick<RequestRecord, 'runId' | 'sentAtMs' | 'doneAtMs'>[]): number | null {
  const byRun = new Map<string, { first: number; last: number }>();
  for (const r of rs) {
    if (r.sentAtMs === null || r.doneAtMs === null) continue;
    const w = byRun.get(r.runId) ?? { first: Infinity, last: -Infinity };
    w.first = Math.min(w.first, r.sentAtMs);
    w.last = Math.max(w.last, r.doneAtMs);
    byRun.set(r.runId, w);
  }
  if (byRun.size === 0) return null;
  const windows = [...byRun.values()].sort((a, b) => a.first - b.first);
  let total = 0;
  let cur = { ...windows[0] };
  for (const w of windows.slice(1)) {
    if (w.first <= cur.last) cur.last = Math.max(cur.last, w.last);
    else { total += cur.last - cur.first; cur = { ...w }; }
  }
  total += cur.last - cur.first;
  return total > 0 ? total : null;
}

const perSecond = (n: number, ms: number | null): number | null => (ms === null ? null : n / (ms / 1000));

export function levelLabel(r: Pick<RequestRecord, 'rate' | 'concurrency' | 'arrivals' | 'maxConcurrency'>): string {
  if (r.rate === null) return `concurrency ${r.concurrency}`;
  return `rate ${r.rate}/s ${r.arrivals ?? 'poisson'}${r.maxConcurrency ? ` (≤${r.maxConcurrency} in flight)` : ''}`;
}

/** One LevelRow per load-mode cell in `requests`, in order of first appearance. */
/** The measured requests of each load-mode cell in `requests`, in order of first appearance. */
export function levelsOf(requests: readonly RequestRecord[]): RequestRecord[][] {
  const cells = new Map<string, RequestRecord[]>();
  for (const r of requests) {
    if (r.mode !== 'load' || !isMeasured(r)) continue;
    const k = `${r.gridHash}:${r.cellId}`;
    const l = cells.get(k);
    if (l) l.push(r); else cells.set(k, [r]);
  }
  return [...cells.values()];
}

/** The statistics of one level's measured requests (non-empty, one cell). */
export function levelStats(rs: readonly RequestRecord[], o: LevelOptions = {}): LevelStats {
  const ps = o.percentiles ?? DEFAULT_PERCENTILES;
  const first = rs[0];
  const ok = rs.filter((r) => r.status === 'ok');
  const errors = rs.filter((r) => r.status === 'error');
  const dur = durationMs(rs);
  const nums = (f: (r: RequestRecord) => number | null) => ok.map(f).filter((x): x is number => typeof x === 'number');
  const outTokens = nums((r) => r.completionTokens).reduce((a, b) => a + b, 0);
  let goodput: Goodput | null = null;
  if (o.slo) {
    const good = rs.filter((r) => meetsSlo(r, o.slo!));
    const goodTokens = good.map((r) => r.completionTokens ?? 0).reduce((a, b) => a + b, 0);
    goodput = { good: good.length, share: wilsonInterval(good.length, rs.filter((r) => r.status !== 'skipped').length), requestsPerSecond: perSecond(good.length, dur), outputTokensPerSecond: perSecond(goodTokens, dur) };
  }
  return {
    gridHash: first.gridHash, cellId: first.cellId,
    level: levelLabel(first), load: first.rate ?? first.concurrency, loadKind: first.rate === null ? 'concurrency' : 'rate',
    requests: rs.length, ok: ok.length, errors: errors.length, timeouts: errors.filter((r) => TIMEOUT.test(r.reason ?? '')).length,
    durationS: dur === null ? null : dur / 1000,
    requestsPerSecond: perSecond(ok.length, dur),
    outputTokensPerSecond: perSecond(outTokens, dur),
    meanInFlight: dur === null ? null : nums((r) => r.e2eMs).reduce((a, b) => a + b, 0) / dur,
    ttftMs: distribution(nums((r) => r.ttftMs), ps),
    tpotMs: distribution(nums((r) => r.tpotMs), ps),
    itlMs: distribution(ok.flatMap((r) => r.itlMs), ps),
    e2eMs: distribution(nums((r) => r.e2eMs), ps),
    goodput,
    lag: lagVerdict(rs, first.rate),
  };
}
