/**
 * The load-level table's columns, defined once: the Markdown summary and the HTML report
 * both read it. Percentile columns follow the percentiles the rows hold (p50/p90/p95/p99 by
 * default, or what --percentiles asked); goodput columns appear when an SLO was given.
 */
import type { LevelRow } from '../../analysis/load-levels';
import { num } from './summary-columns';

export interface LevelColumn { header: string; numeric: boolean; value: (r: LevelRow) => string }

const pct = (r: LevelRow, k: string) => Object.keys(r.ttftMs).filter((x) => /^p\d/.test(x)).includes(k);

export function levelColumns(rows: readonly LevelRow[]): LevelColumn[] {
  const ps = rows.length ? Object.keys(rows[0].ttftMs).filter((k) => /^p\d/.test(k)) : [];
  const multi = new Set(rows.map((r) => `${r.model}|${r.endpoint}|${r.inputTokens}`)).size > 1;
  const cols: LevelColumn[] = [
    ...(multi ? [{ header: 'Model', numeric: false, value: (r: LevelRow) => r.model }, { header: 'Endpoint', numeric: false, value: (r: LevelRow) => r.endpoint },
      { header: 'Input tokens', numeric: true, value: (r: LevelRow) => (r.inputTokens === null ? '-' : String(r.inputTokens)) }] : []),
    // issue 23: which engine served the level, when any level ran on another than ONNX Runtime
    ...(rows.some((r) => r.engine && r.engine !== 'onnxruntime') ? [{ header: 'Engine', numeric: false, value: (r: LevelRow) => r.engine }] : []),
    { header: 'Level', numeric: false, value: (r) => r.level },
    { header: 'Requests/s', numeric: true, value: (r) => num(r.requestsPerSecond, 2) },
    { header: 'Output tok/s', numeric: true, value: (r) => num(r.outputTokensPerSecond) },
    { header: 'Mean in flight', numeric: true, value: (r) => num(r.meanInFlight, 2) },
    ...(['ttftMs', 'tpotMs', 'itlMs', 'e2eMs'] as const).map((m) => ({
      header: `${{ ttftMs: 'TTFT', tpotMs: 'TPOT', itlMs: 'ITL', e2eMs: 'E2E' }[m]} ms (${ps.join('/')})`, numeric: true,
      value: (r: LevelRow) => ps.map((p) => (pct(r, p) ? num(r[m][p]) : '-')).join(' / '),
    })),
    { header: 'ok / errors (timeouts)', numeric: false, value: (r) => `${r.ok} / ${r.errors}${r.timeouts ? ` (${r.timeouts})` : ''}` },
  ];
  if (rows.some((r) => r.goodput)) {
    cols.push(
      { header: 'Goodput % [95 % CI]', numeric: true, value: (r) => (r.goodput?.share ? `${num(100 * r.goodput.share.p, 0)} [${num(100 * r.goodput.share.low, 0)}, ${num(100 * r.goodput.share.high, 0)}]` : '-') },
      { header: 'Good req/s', numeric: true, value: (r) => num(r.goodput?.requestsPerSecond, 2) },
      { header: 'Good tok/s', numeric: true, value: (r) => num(r.goodput?.outputTokensPerSecond) },
    );
  }
  cols.push({ header: 'Client lag p95 ms', numeric: true, value: (r) => `${num(r.lag.p95Ms)}${r.lag.clientBound ? ' (client-bound)' : ''}` });
  return cols;
}
