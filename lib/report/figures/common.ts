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
