/**
 * precisionSweepScatter: what each precision costs in fidelity (y: mean KL divergence from the
 * base, log scale) against what it buys (x: file size, or decode tokens/s), one point per
 * variant of a precision sweep (lib/quantize/sweep.ts). Lower is more faithful; the base
 * (KL 0) cannot sit on a log axis and is left out.
 */
import type { Figure } from '../types';
import { BASE_LAYOUT } from './common';

/** The fields of a sweep row the figure reads (SweepRow in lib/quantize/sweep.ts). */
export interface PrecisionSweepPoint {
  variant: string;
  precision: string;
  sizeBytes: number;
  decodeTokensPerSecond: number;
  klMean: number;
  top1Agreement: number;
}

export interface PrecisionSweepScatterOptions {
  x?: 'size' | 'decode';
  title?: string;
  height?: number;
}

export const precisionSweepScatterDefaults = Object.freeze({ x: 'size' as const, height: 440 });

export function precisionSweepScatter(rows: readonly PrecisionSweepPoint[], options: PrecisionSweepScatterOptions = {}): Figure {
  const o = { ...precisionSweepScatterDefaults, ...options };
  const points = rows.filter((r) => r.precision !== 'base' && r.klMean > 0 && Number.isFinite(r.klMean));
  const x = (r: PrecisionSweepPoint) => (o.x === 'size' ? r.sizeBytes / 1e6 : r.decodeTokensPerSecond);
  const precisions = [...new Set(points.map((r) => r.precision))];
  return {
    data: precisions.map((p) => {
      const mine = points.filter((r) => r.precision === p);
      return {
        type: 'scatter', mode: 'markers+text', name: p,
        x: mine.map(x), y: mine.map((r) => r.klMean), text: mine.map((r) => r.variant),
        // alternate label sides so neighbouring variants (sym/asym of one block size) stay readable
        textposition: mine.map((_, i) => (i % 2 === 0 ? 'top center' : 'bottom center')),
        customdata: mine.map((r) => (r.top1Agreement * 100).toFixed(1)),
        marker: { size: 11 },
        hovertemplate: `%{text}<br>${o.x === 'size' ? '%{x:.1f} MB' : '%{x:.1f} tok/s'}<br>KL %{y:.2e}<br>top-1 agreement %{customdata} %<extra></extra>`,
      };
    }),
    layout: {
      ...BASE_LAYOUT, height: o.height,
      title: { text: o.title ?? (o.x === 'size' ? 'Size vs fidelity loss (mean KL from the base)' : 'Decode speed vs fidelity loss (mean KL from the base)') },
      xaxis: { title: { text: o.x === 'size' ? 'model size (MB)' : 'decode tokens/s (median)' }, rangemode: 'tozero' },
      yaxis: { title: { text: 'mean KL divergence from the base (log)' }, type: 'log', exponentformat: 'e' },
      legend: { ...BASE_LAYOUT.legend, title: { text: 'precision' } },
    },
  };
}
