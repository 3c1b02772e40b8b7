/**
 * levelDistribution: TTFT or inter-token latency, one box per load level, from the raw ok,
 * measured requests of load-mode cells (ITL pools every gap of every request of the level), and
 * per series when the levels come from several settings (model, engine, provider…: level-series.ts).
 */
import { isMeasured, type RequestRecord } from '../../bench/store/record';
import { levelLabel } from '../../bench/load/level-stats';
import type { Figure } from '../types';
import { BASE_LAYOUT, unique } from './common';
import { levelSeriesNamer } from './level-series';

export function levelDistribution(requests: readonly RequestRecord[], o: { metric?: 'ttftMs' | 'itlMs'; title?: string } = {}): Figure {
  const metric = o.metric ?? 'ttftMs';
  const ok = requests.filter((r) => r.mode === 'load' && r.status === 'ok' && isMeasured(r));
  // One box per level of each series (level-series.ts): two engines' levels are never pooled.
  // Several series: one trace each (a legend entry), their boxes side by side at each level.
  const seriesOf = levelSeriesNamer(ok);
  const ordered = [...ok].sort((a, b) => (a.rate ?? a.concurrency) - (b.rate ?? b.concurrency));
  const values = (rs: readonly RequestRecord[]) => (metric === 'itlMs' ? rs.flatMap((r) => r.itlMs) : rs.map((r) => r.ttftMs));
  const series = unique(ordered.map(seriesOf));
  const multi = series.length > 1;
  const data = multi
    ? series.map((name) => {
      const rs = ordered.filter((r) => seriesOf(r) === name);
      return {
        type: 'box', name, y: values(rs),
        x: metric === 'itlMs' ? rs.flatMap((r) => r.itlMs.map(() => levelLabel(r))) : rs.map((r) => levelLabel(r)),
        boxpoints: metric === 'itlMs' ? false : 'outliers', boxmean: false,
      };
    })
    : unique(ordered.map((r) => levelLabel(r))).map((name) => {
      const rs = ordered.filter((r) => levelLabel(r) === name);
      return { type: 'box', name, y: values(rs), boxpoints: metric === 'itlMs' ? false : 'outliers', boxmean: false };
    });
  const what = metric === 'itlMs' ? 'Inter-token latency' : 'Time to first token';
  return {
    data,
    layout: {
      ...BASE_LAYOUT, showlegend: multi, ...(multi ? { boxmode: 'group' } : {}),
      title: { text: o.title ?? `${what}, distribution per load level` },
      xaxis: { title: { text: 'load level' }, type: 'category' },
      yaxis: { title: { text: `${metric === 'itlMs' ? 'ITL' : 'TTFT'} (ms)` }, rangemode: 'tozero' },
    },
  };
}
