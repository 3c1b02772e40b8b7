/**
 * The load-level table (one row per load level, analysis/load-levels.ts), described once, as one
 * list of columns with two views:
 *   levelColumns(rows)      the printed table: report.html, summary.md and the text `slmlab bench`
 *                           prints. Latency columns show the percentiles asked in one cell
 *                           (default: every one the rows hold, p50/p90/p95/p99 unless
 *                           --percentiles said otherwise; the CLI shows the first and the last);
 *                           goodput columns appear when an SLO was given; model, endpoint and
 *                           input length when the rows have several.
 *   levelDataColumns(rows)  flat columns, one value each (ttft_ms_p50, goodput_ci_low, ...):
 *                           levelFrame and CSV.
 */
import type { LevelRow } from '../load-levels';
import { byName, column, num, pick, type Column } from './column';

export interface LevelColumnOptions {
  /** The percentiles the latency columns show (default: those the rows hold). */
  percentiles?: readonly number[];
}

const heldPercentiles = (rows: readonly LevelRow[]): string[] => (rows.length ? Object.keys(rows[0].ttftMs).filter((k) => /^p\d/.test(k)) : []);
const several = (rows: readonly LevelRow[]): boolean => new Set(rows.map((r) => `${r.model}|${r.endpoint}|${r.inputTokens}`)).size > 1;

const LATENCY = { ttftMs: ['ttft_ms', 'TTFT', 'time to first token'], tpotMs: ['tpot_ms', 'TPOT', 'time per output token'], itlMs: ['itl_ms', 'ITL', 'inter-token latency (every gap)'], e2eMs: ['e2e_ms', 'E2E', 'end-to-end latency'] } as const;

/** A latency's percentiles in one printed cell: "17.0 / 20.9". */
function latencyColumn(field: keyof typeof LATENCY, ps: readonly string[]): Column<LevelRow> {
  const [name, label, what] = LATENCY[field];
  const text = (r: LevelRow) => ps.map((p) => (p in r[field] ? num(r[field][p]) : '-')).join(' / ');
  return column<LevelRow>({ name, source: `${field}.{${ps.join(',')}}`, type: 'string', unit: 'ms', numeric: true,
    description: `${what} over ok requests, percentiles ${ps.join('/')}`, header: `${label} ms (${ps.join('/')})`, get: text, format: text });
}

/** A latency's mean and each percentile the rows hold, one column each: ttft_ms_mean, ttft_ms_p50, ... */
function latencyDataColumns(field: keyof typeof LATENCY, stats: readonly string[]): Column<LevelRow>[] {
  const [name, label, what] = LATENCY[field];
  return stats.map((s) => column<LevelRow>({ name: `${name}_${s}`, source: `${field}.${s}`, type: 'number', unit: 'ms',
    description: `${what} over ok requests: ${s === 'mean' ? 'mean' : `${s.slice(1)}th percentile`}`, header: `${label} ${s} ms`,
    get: (r) => r[field][s] ?? null }));
}

const goodputText = (r: LevelRow): string =>
  (r.goodput?.share ? `${num(100 * r.goodput.share.p, 0)} [${num(100 * r.goodput.share.low, 0)}, ${num(100 * r.goodput.share.high, 0)}]` : '-');

/** Every column of the load-level table for these rows (the printed and the data ones), by name. */
function levelTable(rows: readonly LevelRow[], options: LevelColumnOptions): Column<LevelRow>[] {
  const ps = options.percentiles ? options.percentiles.map((p) => `p${p}`) : heldPercentiles(rows);
  const withGoodput = (rs: readonly LevelRow[]) => rs.some((r) => r.goodput);
  const share = (r: LevelRow) => r.goodput?.share ?? null;
  return [
    column<LevelRow>({ name: 'model', type: 'string', description: 'The model as the grid names it.', header: 'Model', when: several }),
    column<LevelRow>({ name: 'endpoint', type: 'string', description: "'embedded' or the OpenAI-compatible base URL.", header: 'Endpoint', when: several }),
    column<LevelRow>({ name: 'input_tokens', source: 'inputTokens', type: 'integer', unit: 'tokens', description: 'Synthetic prompt length; null for prompt-set prompts.', header: 'Input tokens', when: several }),
    // issue 23: which engine served the level, when any level ran on another than ONNX Runtime
    column<LevelRow>({ name: 'engine', type: 'string', description: "Inference engine: 'onnxruntime' or 'llama.cpp'.", header: 'Engine', format: (r) => r.engine,
      when: (rs) => rs.some((r) => r.engine && r.engine !== 'onnxruntime') }),
    column<LevelRow>({ name: 'level', type: 'string', description: '"concurrency 4" or "rate 2/s poisson".', header: 'Level' }),
    column<LevelRow>({ name: 'load', type: 'number', description: 'The load axis value: clients (closed loop) or requests/s (open loop).' }),
    column<LevelRow>({ name: 'load_kind', source: 'loadKind', type: 'string', description: "'concurrency' or 'rate'." }),
    column<LevelRow>({ name: 'requests', type: 'integer', unit: 'requests', description: 'Measured requests (warmup and cooldown excluded).' }),
    column<LevelRow>({ name: 'ok', type: 'integer', unit: 'requests', description: 'Requests that succeeded.' }),
    column<LevelRow>({ name: 'errors', type: 'integer', unit: 'requests', description: 'Requests that failed.' }),
    column<LevelRow>({ name: 'timeouts', type: 'integer', unit: 'requests', description: 'Failed requests that timed out.' }),
    column<LevelRow>({ name: 'duration_s', source: 'durationS', type: 'number', unit: 's', description: 'First send to last end (the union of the runs\' windows).' }),
    column<LevelRow>({ name: 'requests_per_second', source: 'requestsPerSecond', type: 'number', unit: 'requests/s', description: "ok requests over the level's duration (first send to last end).",
      header: 'Requests/s', format: (r) => num(r.requestsPerSecond, 2) }),
    column<LevelRow>({ name: 'output_tps', source: 'outputTokensPerSecond', type: 'number', unit: 'tokens/s', description: "Completion tokens of ok requests over the level's duration.",
      header: 'Output tok/s', format: (r) => num(r.outputTokensPerSecond) }),
    column<LevelRow>({ name: 'mean_in_flight', source: 'meanInFlight', type: 'number', description: "Σ E2E / duration: the concurrency the server saw (Little's law).",
      header: 'Mean in flight', format: (r) => num(r.meanInFlight, 2) }),
    ...(['ttftMs', 'tpotMs', 'itlMs', 'e2eMs'] as const).map((m) => latencyColumn(m, ps)),
    ...(['ttftMs', 'tpotMs', 'itlMs', 'e2eMs'] as const).flatMap((m) => latencyDataColumns(m, ['mean', ...heldPercentiles(rows)])),
    column<LevelRow>({ name: 'outcomes', source: 'ok, errors, timeouts', type: 'string', description: 'ok requests / errors (of which timeouts).',
      header: 'ok / errors (timeouts)', get: (r) => `${r.ok} / ${r.errors}${r.timeouts ? ` (${r.timeouts})` : ''}` }),
    column<LevelRow>({ name: 'good', source: 'goodput.good', type: 'integer', unit: 'requests', description: 'Requests meeting every objective of the SLO; null without one.',
      get: (r) => r.goodput?.good ?? null }),
    column<LevelRow>({ name: 'goodput_pct', source: 'goodput.share.p', type: 'number', unit: '%', description: 'Share of requests meeting every objective, with its Wilson 95 % interval.',
      get: (r) => (share(r) ? 100 * share(r)!.p : null), header: 'Goodput % [95 % CI]', format: goodputText, when: withGoodput }),
    column<LevelRow>({ name: 'goodput_ci_low', source: 'goodput.share.low', type: 'number', unit: '%', description: 'Low end of the Wilson 95 % interval of the goodput share.',
      get: (r) => (share(r) ? 100 * share(r)!.low : null) }),
    column<LevelRow>({ name: 'goodput_ci_high', source: 'goodput.share.high', type: 'number', unit: '%', description: 'High end of the Wilson 95 % interval of the goodput share.',
      get: (r) => (share(r) ? 100 * share(r)!.high : null) }),
    column<LevelRow>({ name: 'good_rps', source: 'goodput.requestsPerSecond', type: 'number', unit: 'requests/s', description: 'Requests meeting every objective, per second.',
      get: (r) => r.goodput?.requestsPerSecond ?? null, header: 'Good req/s', format: (r) => num(r.goodput?.requestsPerSecond, 2), when: withGoodput }),
    column<LevelRow>({ name: 'good_tps', source: 'goodput.outputTokensPerSecond', type: 'number', unit: 'tokens/s', description: 'Output tokens of the requests meeting every objective, per second.',
      get: (r) => r.goodput?.outputTokensPerSecond ?? null, header: 'Good tok/s', format: (r) => num(r.goodput?.outputTokensPerSecond), when: withGoodput }),
    column<LevelRow>({ name: 'client_lag_p95_ms', source: 'lag.p95Ms', type: 'number', unit: 'ms', description: 'How late the load generator sent requests (p95); "client-bound": the client, not the server, limited the level.',
      header: 'Client lag p95 ms', format: (r) => `${num(r.lag.p95Ms)}${r.lag.clientBound ? ' (client-bound)' : ''}` }),
    column<LevelRow>({ name: 'client_bound', source: 'lag.clientBound', type: 'boolean', description: 'The load generator, not the server, limited the level (its lag passed the threshold).' }),
  ];
}

const PRINTED = ['model', 'endpoint', 'input_tokens', 'engine', 'level', 'requests_per_second', 'output_tps', 'mean_in_flight', 'ttft_ms', 'tpot_ms', 'itl_ms', 'e2e_ms',
  'outcomes', 'goodput_pct', 'good_rps', 'good_tps', 'client_lag_p95_ms'];

/** The printed load-level table's columns for these rows (report.html, summary.md, `slmlab bench`). */
export function levelColumns(rows: readonly LevelRow[], options: LevelColumnOptions = {}): Column<LevelRow>[] {
  return pick(levelTable(rows, options), PRINTED, rows);
}

/** The load-level table's data columns: every row's figures, one value per column, the same set whatever the rows (levelFrame, CSV). */
export function levelDataColumns(rows: readonly LevelRow[]): Column<LevelRow>[] {
  const names = ['model', 'endpoint', 'engine', 'input_tokens', 'level', 'load', 'load_kind', 'requests', 'ok', 'errors', 'timeouts', 'duration_s',
    'requests_per_second', 'output_tps', 'mean_in_flight',
    ...['ttft_ms', 'tpot_ms', 'itl_ms', 'e2e_ms'].flatMap((m) => ['mean', ...heldPercentiles(rows)].map((s) => `${m}_${s}`)),
    'good', 'goodput_pct', 'goodput_ci_low', 'goodput_ci_high', 'good_rps', 'good_tps', 'client_lag_p95_ms', 'client_bound'];
  return byName(levelTable(rows, {}), names);
}
