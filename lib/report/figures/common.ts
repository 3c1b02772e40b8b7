/**
 * Helpers the figure factories share: which summary rows to plot, CI error bars, titles.
 */
import type { SummaryRow } from '../../analysis/types';
import type { Summary } from '../../bench/stats/summarize';

/**
 * Rows to plot: those with measurements. When `promptId` is undefined and the rows include
 * aggregate rows (promptId null), only those, so a group is one bar; otherwise rows of that prompt.
 */
export function plottableRows(rows: readonly SummaryRow[], promptId?: string | null): SummaryRow[] {
  let rs = rows.filter((r) => r.ok > 0);
  if (promptId !== undefined) rs = rs.filter((r) => r.promptId === promptId);
  else if (rs.some((r) => r.promptId === null)) rs = rs.filter((r) => r.promptId === null);
  return rs;
}

/** Asymmetric error bars from each summary's 95 % CI of the median (0 where there is none). */
export function ciErrorBars(summaries: readonly Summary[], color?: string): Record<string, unknown> {
  const plus = summaries.map((s) => (s.ci95 && s.median !== null ? Math.max(0, s.ci95.high - s.median) : 0));
  const minus = summaries.map((s) => (s.ci95 && s.median !== null ? Math.max(0, s.median - s.ci95.low) : 0));
  return { type: 'data', symmetric: false, array: plus, arrayminus: minus, visible: true, ...(color ? { color } : {}) };
}

/** Unique values in first-seen order. */
export function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** A title that says when synthetic models are plotted. */
export function titleWithSynthetic(title: string, anySynthetic: boolean): { text: string } {
  return { text: anySynthetic ? `${title} — includes synthetic models` : title };
}

export const BASE_LAYOUT = Object.freeze({
  height: 420,
  margin: { l: 70, r: 30, t: 60, b: 110 },
  legend: { orientation: 'h', y: -0.25 },
  font: { family: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif', size: 13 },
});

/** Magnitudes further apart than this share no readable linear axis: the smaller bars vanish. */
export const LOG_AXIS_RATIO = 20;

/**
 * A value axis for `values`: linear from zero, or logarithmic (title marked "log scale", one tick per power of 10) when
 * the largest positive value is more than LOG_AXIS_RATIO times the smallest, so that a tiny
 * test model and a real-size twin both stay visible in one figure.
 */
export function valueAxis(title: string, values: readonly (number | null | undefined)[]): Record<string, unknown> {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0);
  const spread = v.length > 1 ? Math.max(...v) / Math.min(...v) : 1;
  return spread > LOG_AXIS_RATIO
    ? { title: { text: `${title}, log scale` }, type: 'log', dtick: 1 }
    : { title: { text: title }, rangemode: 'tozero' };
}
