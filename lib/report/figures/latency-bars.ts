/**
 * latencyBars: median end-to-end latency (or TTFT) per model, one bar trace per provider,
 * with error bars from the 95 % bootstrap CI of the median.
 */
import type { SummaryRow } from '../../analysis/types';
import { distinctLabels, groupLabel, providerTraceName } from '../labels';
import type { Figure } from '../types';
import { BASE_LAYOUT, ciErrorBars, plottableRows, titleWithSynthetic, unique, valueAxis } from './common';

export interface LatencyBarsOptions {
  metric?: 'e2eMs' | 'ttftMs';
  title?: string;
  /** Which prompt's rows (null: the aggregate rows); default aggregate rows when present. */
  promptId?: string | null;
  height?: number;
}

export const latencyBarsDefaults = Object.freeze({ metric: 'e2eMs' as const, height: 420 });

const NAMES = { e2eMs: 'End-to-end latency', ttftMs: 'Time to first token' } as const;

export function latencyBars(rows: readonly SummaryRow[], options: LatencyBarsOptions = {}): Figure {
  const o = { ...latencyBarsDefaults, ...options };
  const rs = plottableRows(rows, o.promptId);
  const label = distinctLabels(rs, (r) => groupLabel(r, r.synthetic));
  const data = unique(rs.map((r) => r.provider)).map((provider) => {
    const mine = rs.filter((r) => r.provider === provider && r[o.metric].median !== null);
    return {
      type: 'bar', name: providerTraceName(rs, provider),
      x: mine.map(label),
      y: mine.map((r) => r[o.metric].median),
      error_y: ciErrorBars(mine.map((r) => r[o.metric])),
      customdata: mine.map((r) => [r[o.metric].n, r[o.metric].p95]),
      hovertemplate: `%{x} · ${provider}<br>median %{y:.1f} ms<br>n=%{customdata[0]}, p95 %{customdata[1]:.1f} ms<extra></extra>`,
    };
  });
  return {
    data,
    layout: {
      ...BASE_LAYOUT, height: o.height, barmode: 'group',
      title: titleWithSynthetic(o.title ?? `${NAMES[o.metric]} (median, 95 % CI)`, rs.some((r) => r.synthetic)),
      xaxis: { title: { text: 'model' }, type: 'category', automargin: true },
      yaxis: valueAxis(`${NAMES[o.metric]} (ms)`, data.flatMap((d) => d.y)),
      legend: { ...BASE_LAYOUT.legend, title: { text: 'provider' } },
    },
  };
}
