/**
 * Plain-text tables of analysis rows, for the CLI and notebooks' text output: the text renderer
 * over the tables' columns (table/summary-table.ts, table/level-table.ts), so the headers and
 * cells are the report's. Printing only: the numbers come from summarizeResults / summarizeLevels.
 */
import type { SummaryRow } from './types';
import type { LevelRow } from './load-levels';
import { summaryTextColumns } from './table/summary-table';
import { levelColumns } from './table/level-table';
import { renderText } from './table/render-text';

/**
 * One line per summary row: TTFT, decode speed (medians with their spread), tokens, outcomes,
 * determinism, the model process's peak memory and the machine's load (docs/measuring.md).
 */
export function formatSummary(rows: readonly SummaryRow[]): string {
  return renderText(summaryTextColumns(rows), rows);
}

/**
 * One line per load level: throughput, latency percentiles (the first and last asked, e.g.
 * p50/p99), outcomes, goodput when an SLO was given, and client lag ("client-bound" levels).
 */
export function formatLevels(rows: readonly LevelRow[], percentiles: readonly number[] = [50, 99]): string {
  const shown = percentiles.length > 1 ? [percentiles[0], percentiles[percentiles.length - 1]] : [...percentiles];
  return renderText(levelColumns(rows, { percentiles: shown }), rows);
}
