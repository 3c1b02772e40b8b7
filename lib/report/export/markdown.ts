/**
 * toMarkdownSummary: summary.md. The summary rows as a Markdown table (the summary table's
 * columns, analysis/table/summary-table.ts), one row per group, synthetic models marked,
 * followed by a note when any are; load levels add their table (analysis/table/level-table.ts).
 */
import type { SummaryRow } from '../../analysis/types';
import type { LevelRow } from '../../analysis/load-levels';
import { formatSlo, type Slo } from '../../bench/load/slo';
import { escapeMarkdownCell } from '../escape';
import { summaryColumns } from '../../analysis/table/summary-table';
import { levelColumns } from '../../analysis/table/level-table';
import { markdownTable } from './markdown-table';

export interface MarkdownSummaryOptions {
  title?: string;
  /** Load levels (load-mode results): a second table. */
  levels?: readonly LevelRow[];
  slo?: Slo | null;
}

export function toMarkdownSummary(rows: readonly SummaryRow[], options: MarkdownSummaryOptions = {}): string {
  const lines: string[] = [];
  if (options.title) lines.push(`# ${escapeMarkdownCell(options.title)}`, '');
  lines.push(...markdownTable(summaryColumns(rows), rows));
  lines.push('');
  lines.push('Latency is end-to-end (request sent → last content token). Throughput is decode speed, (completion tokens − 1) / (E2E − TTFT): prompt tokens are not counted. Failed requests are counted in Success, not dropped. ±CV is the spread of the rounds (stdev / mean).');
  lines.push('', "Model process peak RSS is the memory of the engine process that holds and runs the model (not the caller's); Machine load is the largest 1-minute load average before or after the group's cells, \"(busy)\" above half the cores: such figures are slower than a quiet machine's. See docs/measuring.md.");
  const skipped = rows.filter((r) => r.skipReason);
  if (skipped.length) {
    lines.push('', 'Skipped:');
    for (const r of skipped) lines.push(`- ${escapeMarkdownCell(r.model)} · ${r.provider} · ${r.precision}: skipped: ${escapeMarkdownCell(r.skipReason!)}`);
  }
  if (options.levels?.length) {
    lines.push('', '## Load levels', '', ...markdownTable(levelColumns(options.levels), options.levels), '');
    lines.push(`Requests/s and output tok/s over each level's duration (first send to last end); latencies over ok requests; warmup and cooldown requests excluded.${options.slo ? ` Goodput: requests meeting every objective (${formatSlo(options.slo)}), share with a Wilson 95 % interval.` : ''}`);
  }
  if (rows.some((r) => r.synthetic)) {
    lines.push('', '**(synthetic)**: a synthetic model of the real architecture with seeded random weights: its speed is real, its text is meaningless.');
  }
  return `${lines.join('\n')}\n`;
}
