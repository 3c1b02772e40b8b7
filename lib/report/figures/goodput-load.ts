/**
 * goodputVsLoad: the share of requests meeting the SLO at each load level, with its Wilson
 * 95 % interval, and the good requests per second on a second axis. Empty when no SLO was given.
 */
import type { LevelRow } from '../../analysis/load-levels';
import type { Figure } from '../types';
import { BASE_LAYOUT, unique } from './common';
import { levelSeriesNamer } from './level-series';

export function goodputVsLoad(rows: readonly LevelRow[], o: { title?: string; slo?: string } = {}): Figure {
  const pts = rows.filter((r) => r.goodput?.share);
  const seriesOf = levelSeriesNamer(pts);
  const data: Record<string, unknown>[] = [];
  for (const name of unique(pts.map(seriesOf))) {
    const rs = pts.filter((r) => seriesOf(r) === name).sort((a, b) => a.load - b.load);
    data.push({
      type: 'scatter', mode: 'lines+markers', name: `${name}: share within SLO`,
      x: rs.map((r) => r.load), y: rs.map((r) => 100 * r.goodput!.share!.p),
      error_y: { type: 'data', symmetric: false, array: rs.map((r) => 100 * (r.goodput!.share!.high - r.goodput!.share!.p)), arrayminus: rs.map((r) => 100 * (r.goodput!.share!.p - r.goodput!.share!.low)), visible: true },
    });
    data.push({
      type: 'bar', name: `${name}: good requests/s`, x: rs.map((r) => r.load), y: rs.map((r) => r.goodput!.requestsPerSecond), yaxis: 'y2', opacity: 0.35,
    });
  }
  const kind = pts.every((r) => r.loadKind === 'rate') ? 'requests/s offered' : pts.every((r) => r.loadKind === 'concurrency') ? 'concurrent clients' : 'load';
  return {
    data,
    layout: {
      ...BASE_LAYOUT,
      margin: { ...BASE_LAYOUT.margin, r: 90 },
      title: { text: o.title ?? `Goodput vs load${o.slo ? ` (SLO ${o.slo})` : ''}` },
      // Categories for clients (1, 2, 4, 8 evenly spaced, bars beside points); a linear axis for rates.
      xaxis: { title: { text: kind }, type: kind === 'concurrent clients' ? 'category' : 'linear' },
      yaxis: { title: { text: '% of requests within SLO (95 % Wilson CI)' }, range: [0, 105] },
      yaxis2: { title: { text: 'good requests/s' }, overlaying: 'y', side: 'right', rangemode: 'tozero' },
    },
  };
}
