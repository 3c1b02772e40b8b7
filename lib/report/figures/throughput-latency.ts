/**
 * throughputLatency: the serving curve, one point per load level: x = output tokens/s the
 * level achieved, y = the latency's median, with a band up to the highest percentile asked
 * (p99 by default) as an upper error bar. One line per series (model · endpoint · input
 * length · closed/open loop, and provider, engine, precision, threads or logits where they
 * differ: level-series.ts), points in load order, each labelled with its level.
 */
import type { LevelRow } from '../../analysis/load-levels';
import type { Figure } from '../types';
import { BASE_LAYOUT, unique } from './common';
import { levelSeriesNamer } from './level-series';

export interface ThroughputLatencyOptions {
  metric?: 'e2eMs' | 'ttftMs' | 'tpotMs' | 'itlMs';
  /** The band's upper percentile key (default the highest p-key in the rows, e.g. 'p99'). */
  upper?: string;
  title?: string;
}

const NAMES = { e2eMs: 'End-to-end latency', ttftMs: 'Time to first token', tpotMs: 'Time per output token', itlMs: 'Inter-token latency' } as const;


export function highestPercentile(rows: readonly LevelRow[]): string {
  const keys = rows.flatMap((r) => Object.keys(r.e2eMs)).filter((k) => /^p\d/.test(k));
  return keys.sort((a, b) => Number(b.slice(1)) - Number(a.slice(1)))[0] ?? 'p99';
}

export function throughputLatency(rows: readonly LevelRow[], o: ThroughputLatencyOptions = {}): Figure {
  const metric = o.metric ?? 'e2eMs';
  const upper = o.upper ?? highestPercentile(rows);
  const pts = rows.filter((r) => r.outputTokensPerSecond !== null && r[metric].p50 !== null && r[metric].p50 !== undefined);
  const seriesOf = levelSeriesNamer(pts);
  const data = unique(pts.map(seriesOf)).map((name) => {
    const rs = pts.filter((r) => seriesOf(r) === name).sort((a, b) => a.load - b.load);
    return {
      type: 'scatter', mode: 'lines+markers+text', name,
      x: rs.map((r) => r.outputTokensPerSecond),
      y: rs.map((r) => r[metric].p50),
      text: rs.map((r) => r.level.replace('concurrency ', 'c=').replace(/^rate /, '')),
      textposition: 'top center',
      error_y: { type: 'data', symmetric: false, array: rs.map((r) => Math.max(0, (r[metric][upper] ?? r[metric].p50!) - r[metric].p50!)), arrayminus: rs.map(() => 0), visible: true },
      hovertemplate: `%{text}<br>%{x:.1f} tok/s<br>p50 %{y:.1f} ms<extra>${name}</extra>`,
    };
  });
  return {
    data,
    layout: {
      ...BASE_LAYOUT,
      title: { text: o.title ?? `${NAMES[metric]} vs throughput, per load level (median, bar to ${upper})` },
      xaxis: { title: { text: 'output tokens/s (all requests of the level)' }, rangemode: 'tozero' },
      yaxis: { title: { text: `${NAMES[metric]} (ms)` }, rangemode: 'tozero' },
    },
  };
}
