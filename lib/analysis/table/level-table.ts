/**
 * The load-level table (one row per load level, analysis/load-levels.ts), described once: the
 * report's HTML and Markdown tables and the text `slmlab bench` prints all read levelColumns().
 * Percentile columns show the percentiles asked (default: every one the rows hold, p50/p90/p95/p99
 * unless --percentiles said otherwise; the CLI shows the first and the last); goodput columns
 * appear when an SLO was given; model, endpoint and input length when the rows have several.
 */
import type { LevelRow } from '../load-levels';
import { column, num, type Column } from './column';

export interface LevelColumnOptions {
  /** The percentiles the latency columns show (default: those the rows hold). */
  percentiles?: readonly number[];
}

const heldPercentiles = (rows: readonly LevelRow[]): string[] => (rows.length ? Object.keys(rows[0].ttftMs).filter((k) => /^p\d/.test(k)) : []);
const several = (rows: readonly LevelRow[]): boolean => new Set(rows.map((r) => `${r.model}|${r.endpoint}|${r.inputTokens}`)).size > 1;

const LATENCY = { ttftMs: ['ttft_ms', 'TTFT', 'time to first token'], tpotMs: ['tpot_ms', 'TPOT', 'time per output token'], itlMs: ['itl_ms', 'ITL', 'inter-token latency (every gap)'], e2eMs: ['e2e_ms', 'E2E', 'end-to-end latency'] } as const;

function latencyColumn(field: keyof typeof LATENCY, ps: readonly string[]): Column<LevelRow> {
  const [name, label, what] = LATENCY[field];
  const text = (r: LevelRow) => ps.map((p) => (p in r[field] ? num(r[field][p]) : '-')).join(' / ');
  return column<LevelRow>({ name, source: `${field}.{${ps.join(',')}}`, type: 'string', unit: 'ms', numeric: true,
    description: `${what} over ok requests, percentiles ${ps.join('/')}`, header: `${label} ms (${ps.join('/')})`, get: text, format: text });
}

const goodputText = (r: LevelRow): string =>
  (r.goodput?.share ? `${num(100 * r.goodput.share.p, 0)} [${num(100 * r.goodput.share.low, 0)}, ${num(100 * r.goodput.share.high, 0)}]` : '-');

/** The load-level table's columns for these rows. */
export function levelColumns(rows: readonly LevelRow[], options: LevelColumnOptions = {}): Column<LevelRow>[] {
  const ps = options.percentiles ? options.percentiles.map((p) => `p${p}`) : heldPercentiles(rows);
  const withGoodput = (rs: readonly LevelRow[]) => rs.some((r) => r.goodput);
  const cols: Column<LevelRow>[] = [
    column<LevelRow>({ name: 'model', type: 'string', description: 'The model as the grid names it.', header: 'Model', when: several }),
    column<LevelRow>({ name: 'endpoint', type: 'string', description: "'embedded' or the OpenAI-compatible base URL.", header: 'Endpoint', when: several }),
    column<LevelRow>({ name: 'input_tokens', source: 'inputTokens', type: 'integer', unit: 'tokens', description: 'Synthetic prompt length; null for prompt-set prompts.', header: 'Input tokens', when: several }),
    // issue 23: which engine served the level, when any level ran on another than ONNX Runtime
    column<LevelRow>({ name: 'engine', type: 'string', description: "Inference engine: 'onnxruntime' or 'llama.cpp'.", header: 'Engine', format: (r) => r.engine,
      when: (rs) => rs.some((r) => r.engine && r.engine !== 'onnxruntime') }),
    column<LevelRow>({ name: 'level', type: 'string', description: '"concurrency 4" or "rate 2/s poisson".', header: 'Level' }),
    column<LevelRow>({ name: 'requests_per_second', source: 'requestsPerSecond', type: 'number', unit: 'requests/s', description: "ok requests over the level's duration (first send to last end).",
      header: 'Requests/s', format: (r) => num(r.requestsPerSecond, 2) }),
    column<LevelRow>({ name: 'output_tps', source: 'outputTokensPerSecond', type: 'number', unit: 'tokens/s', description: "Completion tokens of ok requests over the level's duration.",
      header: 'Output tok/s', format: (r) => num(r.outputTokensPerSecond) }),
    column<LevelRow>({ name: 'mean_in_flight', source: 'meanInFlight', type: 'number', description: "Σ E2E / duration: the concurrency the server saw (Little's law).",
      header: 'Mean in flight', format: (r) => num(r.meanInFlight, 2) }),
    ...(['ttftMs', 'tpotMs', 'itlMs', 'e2eMs'] as const).map((m) => latencyColumn(m, ps)),
    column<LevelRow>({ name: 'outcomes', source: 'ok, errors, timeouts', type: 'string', description: 'ok requests / errors (of which timeouts).',
      header: 'ok / errors (timeouts)', get: (r) => `${r.ok} / ${r.errors}${r.timeouts ? ` (${r.timeouts})` : ''}` }),
    column<LevelRow>({ name: 'goodput_pct', source: 'goodput.share', type: 'number', unit: '%', description: 'Share of requests meeting every objective, with its Wilson 95 % interval.',
      get: (r) => (r.goodput?.share ? 100 * r.goodput.share.p : null), header: 'Goodput % [95 % CI]', format: goodputText, when: withGoodput }),
    column<LevelRow>({ name: 'good_rps', source: 'goodput.requestsPerSecond', type: 'number', unit: 'requests/s', description: 'Requests meeting every objective, per second.',
      header: 'Good req/s', format: (r) => num(r.goodput?.requestsPerSecond, 2), when: withGoodput }),
    column<LevelRow>({ name: 'good_tps', source: 'goodput.outputTokensPerSecond', type: 'number', unit: 'tokens/s', description: 'Output tokens of the requests meeting every objective, per second.',
      header: 'Good tok/s', format: (r) => num(r.goodput?.outputTokensPerSecond), when: withGoodput }),
    column<LevelRow>({ name: 'client_lag_p95_ms', source: 'lag.p95Ms', type: 'number', unit: 'ms', description: 'How late the load generator sent requests (p95); "client-bound": the client, not the server, limited the level.',
      header: 'Client lag p95 ms', format: (r) => `${num(r.lag.p95Ms)}${r.lag.clientBound ? ' (client-bound)' : ''}` }),
  ];
  return cols.filter((c) => !c.when || c.when(rows));
}
