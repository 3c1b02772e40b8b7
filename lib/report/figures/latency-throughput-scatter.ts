/**
 * latencyThroughputScatter: median end-to-end latency (x) against median decode tokens/s (y),
 * one point per group, one trace per provider; both CIs as error bars. Upper left is better.
 */
import type { SummaryRow } from '../../analysis/types';
import { distinctLabels, groupLabel, providerTraceName } from '../labels';
import type { Figure } from '../types';
import { BASE_LAYOUT, ciErrorBars, plottableRows, titleWithSynthetic, unique, valueAxis } from './common';

export interface LatencyThroughputScatterOptions {
  title?: string;
  promptId?: string | null;
  height?: number;
}

export const latencyThroughputScatterDefaults = Object.freeze({ height: 460 });

export function latencyThroughputScatter(rows: readonly SummaryRow[], options: LatencyThroughputScatterOptions = {}): Figure {
  const o = { ...latencyThroughputScatterDefaults, ...options };
  const rs = plottableRows(rows, o.promptId).filter((r) => r.e2eMs.median !== null && r.decodeTokensPerSecond.median !== null);
  const label = distinctLabels(rs, (r) => groupLabel(r, r.synthetic));
  const data = unique(rs.map((r) => r.provider)).map((provider) => {
    const mine = rs.filter((r) => r.provider === provider);
    return {
      type: 'scatter', mode: 'markers+text', name: providerTraceName(rs, provider),
      x: mine.map((r) => r.e2eMs.median), y: mine.map((r) => r.decodeTokensPerSecond.median),
      text: mine.map(label), textposition: 'top center',
      error_x: ciErrorBars(mine.map((r) => r.e2eMs)),
      error_y: ciErrorBars(mine.map((r) => r.decodeTokensPerSecond)),
      marker: { size: 11 },
      hovertemplate: `%{text} · ${provider}<br>E2E %{x:.1f} ms<br>%{y:.1f} tok/s<extra></extra>`,
    };
  });
  return {
    data,
    layout: {
      ...BASE_LAYOUT, height: o.height,
      title: titleWithSynthetic(o.title ?? 'Latency vs decode speed (medians, 95 % CI)', rs.some((r) => r.synthetic)),
      xaxis: valueAxis('end-to-end latency (ms, median)', data.flatMap((d) => d.x)),
      yaxis: valueAxis('decode tokens/s (median)', data.flatMap((d) => d.y)),
      legend: { ...BASE_LAYOUT.legend, title: { text: 'provider' } },
    },
  };
}
