/**
 * tokensPerSecondBars: median decode tokens/s per model, one bar trace per provider, with
 * error bars from the 95 % CI. Decode speed excludes prompt processing (see record.ts).
 */
import type { SummaryRow } from '../../analysis/types';
import { distinctLabels, groupLabel, providerTraceName } from '../labels';
import type { Figure } from '../types';
import { BASE_LAYOUT, ciErrorBars, plottableRows, titleWithSynthetic, unique, valueAxis } from './common';

export interface TokensPerSecondBarsOptions {
  title?: string;
  promptId?: string | null;
  height?: number;
}

export const tokensPerSecondBarsDefaults = Object.freeze({ height: 420 });

export function tokensPerSecondBars(rows: readonly SummaryRow[], options: TokensPerSecondBarsOptions = {}): Figure {
  const o = { ...tokensPerSecondBarsDefaults, ...options };
  const rs = plottableRows(rows, o.promptId);
  const label = distinctLabels(rs, (r) => groupLabel(r, r.synthetic));
  const data = unique(rs.map((r) => r.provider)).map((provider) => {
    const mine = rs.filter((r) => r.provider === provider && r.decodeTokensPerSecond.median !== null);
    return {
      type: 'bar', name: providerTraceName(rs, provider),
      x: mine.map(label),
      y: mine.map((r) => r.decodeTokensPerSecond.median),
      error_y: ciErrorBars(mine.map((r) => r.decodeTokensPerSecond)),
      hovertemplate: `%{x} · ${provider}<br>median %{y:.1f} tok/s<extra></extra>`,
    };
  });
  return {
    data,
    layout: {
      ...BASE_LAYOUT, height: o.height, barmode: 'group',
      title: titleWithSynthetic(o.title ?? 'Decode speed (median tokens/s, 95 % CI)', rs.some((r) => r.synthetic)),
      xaxis: { title: { text: 'model' }, type: 'category', automargin: true },
      yaxis: valueAxis('decode tokens/s', data.flatMap((d) => d.y)),
      legend: { ...BASE_LAYOUT.legend, title: { text: 'provider' } },
    },
  };
}
