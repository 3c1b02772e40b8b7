/**
 * Is the client the bottleneck? Each sent request carries its lag: how much later than
 * scheduled the load generator sent it (drive-level.ts). A server that is slow shows up in
 * TTFT and E2E, not in lag; lag means this process could not send on time (a busy event
 * loop, a starved CPU), and then the measured load is not the load asked for.
 *
 * Verdict (pure): the level is client-bound when the 95th percentile of lag over its sent
 * requests exceeds max(`floorMs` (default 10 ms), `share` (default 10 %) of the mean gap
 * the load asks for): 1/rate for an open loop, the median E2E for a closed loop (where a
 * client's next request is due the moment the last one ends).
 */
import { percentiles } from '../stats/quantile';
import { median } from '../stats/quantile';

export interface LagInput { lagMs: number | null; e2eMs?: number | null }

export interface LagVerdict {
  n: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  /** The lag above which the level counts as client-bound. */
  thresholdMs: number;
  clientBound: boolean;
}

export interface LagOptions { floorMs?: number; share?: number }

export function lagVerdict(sent: readonly LagInput[], rate: number | null, o: LagOptions = {}): LagVerdict {
  const lags = sent.map((s) => s.lagMs).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const gap = rate !== null ? 1000 / rate : median(sent.map((s) => s.e2eMs).filter((x): x is number => typeof x === 'number')) ?? 0;
  const thresholdMs = Math.max(o.floorMs ?? 10, (o.share ?? 0.1) * gap);
  const [p50, p95] = percentiles(lags, [50, 95]) ?? [null, null];
  return {
    n: lags.length, p50Ms: p50, p95Ms: p95, maxMs: lags.length ? Math.max(...lags) : null, thresholdMs,
    clientBound: p95 !== null && p95 > thresholdMs,
  };
}

/** The warning a CLI or notebook prints for a client-bound level. */
export function lagWarning(level: string, v: LagVerdict): string {
  return `warning: ${level}: the load generator fell behind (client lag p95 ${v.p95Ms?.toFixed(1)} ms > ${v.thresholdMs.toFixed(1)} ms): `
    + 'the client, not the server, limited this level; use --workers N, or a machine with more free CPU';
}
