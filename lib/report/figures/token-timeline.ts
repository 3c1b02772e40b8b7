/**
 * tokenTimeline: the inter-token latency (ITL) of one request over token index (token 2 is
 * the first gap after TTFT), with a line at the request's TPOT. A chunk of k tokens shows as
 * k equal gaps (record.ts).
 */
import { isMeasured, type RequestRecord } from '../../bench/store/record';
import { fullGroupLabel, isSynthetic } from '../labels';
import type { Figure, SyntheticModels } from '../types';
import { BASE_LAYOUT, titleWithSynthetic } from './common';

export interface TokenTimelineOptions {
  title?: string;
  synthetic?: SyntheticModels;
  height?: number;
}

export const tokenTimelineDefaults = Object.freeze({ height: 380 });

/** A request worth showing: the first ok, measured request with the most ITL samples. */
export function timelineRequest(requests: readonly RequestRecord[]): RequestRecord | null {
  let best: RequestRecord | null = null;
  for (const r of requests) {
    if (r.status !== 'ok' || !isMeasured(r) || r.itlMs.length < 1) continue;
    if (!best || r.itlMs.length > best.itlMs.length) best = r;
  }
  return best;
}

export function tokenTimeline(request: RequestRecord, options: TokenTimelineOptions = {}): Figure {
  const o = { ...tokenTimelineDefaults, ...options };
  const synthetic = isSynthetic(request.model, o.synthetic);
  const name = fullGroupLabel({ ...request, promptId: request.promptId }, synthetic);
  const data: Figure['data'] = [{
    type: 'scatter', mode: 'lines+markers', name: 'inter-token latency',
    x: request.itlMs.map((_, i) => i + 2), y: request.itlMs, marker: { size: 4 },
    hovertemplate: 'token %{x}<br>%{y:.2f} ms<extra></extra>',
  }];
  const shapes = request.tpotMs === null ? [] : [{
    type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: request.tpotMs, y1: request.tpotMs, line: { dash: 'dot', color: '#c44' },
  }];
  return {
    data,
    layout: {
      ...BASE_LAYOUT, height: o.height, showlegend: false, shapes,
      annotations: request.tpotMs === null ? [] : [{ xref: 'paper', x: 1, xanchor: 'right', yref: 'y', y: request.tpotMs, yanchor: 'bottom', showarrow: false, text: `TPOT ${request.tpotMs.toFixed(2)} ms` }],
      title: titleWithSynthetic(o.title ?? `Per-token latency — ${name}, round ${request.round}${request.ttftMs !== null ? ` (TTFT ${request.ttftMs.toFixed(1)} ms)` : ''}`, synthetic),
      xaxis: { title: { text: 'token index' } },
      yaxis: { title: { text: 'inter-token latency (ms)' }, rangemode: 'tozero' },
    },
  };
}
