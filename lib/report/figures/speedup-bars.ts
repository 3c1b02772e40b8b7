/**
 * speedupBars: ratios between groups (GPU vs CPU, int4 vs fp32, SLM vs LLM) from
 * ComparisonRow, one bar trace per comparison kind, CI whiskers, and a dashed line at 1×
 * (> 1: the candidate is faster).
 */
import type { ComparisonRow } from '../../analysis/types';
import type { Figure } from '../types';
import { BASE_LAYOUT, unique } from './common';

export interface SpeedupBarsOptions {
  /** Only this metric; default decodeTokensPerSecond when present, else every row. */
  metric?: ComparisonRow['metric'] | 'all';
  title?: string;
  height?: number;
}

export const speedupBarsDefaults = Object.freeze({ height: 420 });

const KIND_NAMES: Record<ComparisonRow['kind'], string> = { provider: 'provider (GPU vs CPU)', precision: 'precision', model: 'model (SLM vs LLM)', engine: 'engine (vs ONNX Runtime)' };
const METRIC_NAMES: Record<ComparisonRow['metric'], string> = { decodeTokensPerSecond: 'decode tok/s', ttftMs: 'TTFT', e2eMs: 'E2E latency' };

export function speedupBars(rows: readonly ComparisonRow[], options: SpeedupBarsOptions = {}): Figure {
  const o = { ...speedupBarsDefaults, ...options };
  const metric = o.metric ?? (rows.some((r) => r.metric === 'decodeTokensPerSecond') ? 'decodeTokensPerSecond' : 'all');
  const rs = rows.filter((r) => (metric === 'all' || r.metric === metric) && Number.isFinite(r.speedup));
  const x = (r: ComparisonRow) => `${r.label}${metric === 'all' ? ` (${METRIC_NAMES[r.metric]})` : ''}${r.context ? ` · ${r.context}` : ''}`;
  const data = unique(rs.map((r) => r.kind)).map((kind) => {
    const mine = rs.filter((r) => r.kind === kind);
    return {
      type: 'bar', name: KIND_NAMES[kind],
      x: mine.map(x), y: mine.map((r) => r.speedup),
      error_y: {
        type: 'data', symmetric: false, visible: true,
        array: mine.map((r) => (r.high === null ? 0 : Math.max(0, r.high - r.speedup))),
        arrayminus: mine.map((r) => (r.low === null ? 0 : Math.max(0, r.speedup - r.low))),
      },
      customdata: mine.map((r) => [r.method, r.n]),
      hovertemplate: '%{x}<br>%{y:.2f}× (%{customdata[0]}, n=%{customdata[1]})<extra></extra>',
    };
  });
  const metricText = metric === 'all' ? '' : ` — ${METRIC_NAMES[metric]}`;
  return {
    data,
    layout: {
      ...BASE_LAYOUT, height: o.height, barmode: 'group',
      title: { text: o.title ?? `Speedup (candidate vs baseline, 95 % CI)${metricText}` },
      xaxis: { title: { text: 'comparison' }, type: 'category' },
      yaxis: { title: { text: 'speedup (×, > 1: candidate faster)' }, rangemode: 'tozero' },
      shapes: [{ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: 1, y1: 1, line: { dash: 'dash', width: 1.5, color: '#555' } }],
      annotations: [{ xref: 'paper', x: 1, xanchor: 'right', yref: 'y', y: 1, yanchor: 'bottom', text: '1× (no change)', showarrow: false }],
    },
  };
}
