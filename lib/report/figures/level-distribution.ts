/**
 * levelDistribution: TTFT or inter-token latency, one box per load level, from the raw ok,
 * measured requests of load-mode cells (ITL pools every gap of every request of the level).
 */
import { isMeasured, type RequestRecord } from '../../bench/store/record';
import { levelLabel } from '../../bench/load/level-stats';
import type { Figure } from '../types';
import { BASE_LAYOUT, unique } from './common';

export function levelDistribution(requests: readonly RequestRecord[], o: { metric?: 'ttftMs' | 'itlMs'; title?: string } = {}): Figure {
  const metric = o.metric ?? 'ttftMs';
  const ok = requests.filter((r) => r.mode === 'load' && r.status === 'ok' && isMeasured(r));
  const multi = new Set(ok.map((r) => `${r.model}|${r.endpoint}|${r.inputTokens}`)).size > 1;
  const label = (r: RequestRecord) => `${multi ? `${r.model}${r.endpoint === 'embedded' ? '' : ` @${r.endpoint}`}${r.inputTokens === null ? '' : ` ${r.inputTokens} in`} · ` : ''}${levelLabel(r)}`;
  const ordered = [...ok].sort((a, b) => (a.rate ?? a.concurrency) - (b.rate ?? b.concurrency));
  const data = unique(ordered.map(label)).map((name) => {
    const rs = ordered.filter((r) => label(r) === name);
    return { type: 'box', name, y: metric === 'itlMs' ? rs.flatMap((r) => r.itlMs) : rs.map((r) => r.ttftMs), boxpoints: metric === 'itlMs' ? false : 'outliers', boxmean: false };
  });
  const what = metric === 'itlMs' ? 'Inter-token latency' : 'Time to first token';
  return {
    data,
    layout: {
      ...BASE_LAYOUT, showlegend: false,
      title: { text: o.title ?? `${what}, distribution per load level` },
      xaxis: { title: { text: 'load level' }, type: 'category' },
      yaxis: { title: { text: `${metric === 'itlMs' ? 'ITL' : 'TTFT'} (ms)` }, rangemode: 'tozero' },
    },
  };
}
