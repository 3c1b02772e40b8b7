/**
 * ttftBox: the distribution of time to first token per group (model × precision × provider),
 * one box per group from the raw ok, measured (non-warmup) requests.
 */
import { isMeasured, type RequestRecord } from '../../bench/store/record';
import { distinctLabels, fullGroupLabel, isSynthetic } from '../labels';
import type { Figure, SyntheticModels } from '../types';
import { BASE_LAYOUT, titleWithSynthetic, unique, valueAxis } from './common';

export interface TtftBoxOptions {
  title?: string;
  /** Which models are synthetic; default: names ending in '-twin'. */
  synthetic?: SyntheticModels;
  /** Show every point beside its box. */
  points?: 'all' | 'outliers' | false;
  height?: number;
}

export const ttftBoxDefaults = Object.freeze({ points: 'all' as const, height: 420 });

export function ttftBox(requests: readonly RequestRecord[], options: TtftBoxOptions = {}): Figure {
  const o = { ...ttftBoxDefaults, ...options };
  const ok = requests.filter((r) => r.status === 'ok' && isMeasured(r) && typeof r.ttftMs === 'number');
  const label = distinctLabels(ok, (r: RequestRecord) => fullGroupLabel({ ...r, promptId: null }, isSynthetic(r.model, o.synthetic)));
  const data = unique(ok.map(label)).map((name) => ({
    type: 'box', name,
    y: ok.filter((r) => label(r) === name).map((r) => r.ttftMs),
    boxpoints: o.points, jitter: 0.3, pointpos: 0, boxmean: false,
  }));
  return {
    data,
    layout: {
      ...BASE_LAYOUT, height: o.height, showlegend: false,
      title: titleWithSynthetic(o.title ?? 'Time to first token, distribution per group', ok.some((r) => isSynthetic(r.model, o.synthetic))),
      xaxis: { title: { text: 'model · provider' }, type: 'category', automargin: true },
      yaxis: valueAxis('TTFT (ms)', data.flatMap((d) => d.y)),
    },
  };
}
