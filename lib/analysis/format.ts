/**
 * Plain-text tables of analysis rows, for the CLI and notebooks' text output. Printing only:
 * the numbers come from summarizeResults / summarizeLevels.
 */
import { textTable } from '../util/text-table';
import type { SummaryRow } from './types';
import type { LevelRow } from './load-levels';

const fmt = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

/** The decode median, "(server)" when the endpoint's own timings, "coalesced" when not measurable. */
function decodeText(r: SummaryRow): string {
  if (r.decodeTokensPerSecond.median === null && r.rateSource?.includes('coalesced')) return 'not measurable (coalesced)';
  const v = fmt(r.decodeTokensPerSecond.median);
  return r.rateSource === 'server' && v !== '-' ? `${v} (server)` : v;
}

/**
 * One line per summary row: TTFT, decode speed, tokens (medians), outcomes, determinism, the
 * model process's peak memory and the machine's load (docs/measuring.md).
 */
export function formatSummary(rows: readonly SummaryRow[]): string {
  return textTable(
    ['model', 'provider', 'prompt', 'TTFT ms (median)', 'decode tok/s (median)', 'completion tokens', 'ok/skipped/error', 'deterministic', 'model process peak RSS MB', 'load (1-min)'],
    rows.map((r) => [r.model, r.adapterNote ? `${r.provider} (${r.adapterNote})` : r.provider, r.promptId ?? 'all', fmt(r.ttftMs.median), decodeText(r), fmt(r.completionTokens.median, 0),
      `${r.ok}/${r.skipped}/${r.errors}`, r.deterministic === null ? '-' : r.deterministic ? 'yes' : 'NO',
      typeof r.modelPeakRssBytes === 'number' ? fmt(r.modelPeakRssBytes / 2 ** 20, 0) : r.memoryNote?.startsWith('not measured here') ? 'not measured here' : '-',
      r.load1 === null || r.load1 === undefined ? '-' : `${fmt(r.load1)}${r.underLoad ? ' (busy)' : ''}`]),
  );
}

/**
 * One line per load level: throughput, latency percentiles (the first and last asked, e.g.
 * p50/p99), outcomes, goodput when an SLO was given, and a '!' on client-bound levels.
 */
export function formatLevels(rows: readonly LevelRow[], percentiles: readonly number[] = [50, 99]): string {
  const lo = `p${percentiles[0]}`, hi = `p${percentiles[percentiles.length - 1]}`;
  const pair = (d: Record<string, number | null>) => `${fmt(d[lo])} / ${fmt(d[hi])}`;
  const withGoodput = rows.some((r) => r.goodput);
  const multiModel = new Set(rows.map((r) => `${r.model}|${r.endpoint}|${r.inputTokens}`)).size > 1;
  const header = [...(multiModel ? ['model', 'endpoint', 'input'] : []), 'level', 'req/s', 'out tok/s', 'in flight',
    `TTFT ms ${lo}/${hi}`, `TPOT ms ${lo}/${hi}`, `ITL ms ${lo}/${hi}`, `E2E ms ${lo}/${hi}`, 'ok/err', ...(withGoodput ? ['goodput % [95% CI]', 'good req/s'] : []), 'client lag p95'];
  return textTable(header, rows.map((r) => [
    ...(multiModel ? [r.model, r.endpoint, r.inputTokens === null ? '-' : String(r.inputTokens)] : []),
    r.level, fmt(r.requestsPerSecond, 2), fmt(r.outputTokensPerSecond), fmt(r.meanInFlight, 2),
    pair(r.ttftMs), pair(r.tpotMs), pair(r.itlMs), pair(r.e2eMs), `${r.ok}/${r.errors}${r.timeouts ? ` (${r.timeouts} timeouts)` : ''}`,
    ...(withGoodput ? [r.goodput?.share ? `${fmt(100 * r.goodput.share.p, 0)} [${fmt(100 * r.goodput.share.low, 0)}, ${fmt(100 * r.goodput.share.high, 0)}]` : '-', fmt(r.goodput?.requestsPerSecond, 2)] : []),
    `${fmt(r.lag.p95Ms)} ms${r.lag.clientBound ? ' !' : ''}`,
  ]));
}
