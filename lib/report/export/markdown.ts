/**
 * toMarkdownSummary: the summary rows as a Markdown table (SUMMARY_COLUMNS), one row per
 * group, synthetic models marked, followed by a note when any are.
 */
import type { SummaryRow } from '../../analysis/types';
import type { LevelRow } from '../../analysis/load-levels';
import { formatSlo, type Slo } from '../../bench/load/slo';
import { escapeMarkdownCell } from '../escape';
import { summaryColumns } from './summary-columns';
import { levelColumns } from './level-columns';

export interface MarkdownSummaryOptions {
  title?: string;
  /** Load levels (load-mode results): a second table. */
  levels?: readonly LevelRow[];
  slo?: Slo | null;
}

function table(headers: readonly { header: string; numeric: boolean }[], rows: readonly string[][]): string[] {
  return [`| ${headers.map((c) => escapeMarkdownCell(c.header)).join(' | ')} |`, `|${headers.map((c) => (c.numeric ? ' ---: ' : ' --- ')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(escapeMarkdownCell).join(' | ')} |`)];
}

export function toMarkdownSummary(rows: readonly SummaryRow[], options: MarkdownSummaryOptions = {}): string {
  const cols = summaryColumns(rows);
  const lines: string[] = [];
  if (options.title) lines.push(`# ${escapeMarkdownCell(options.title)}`, '');
  lines.push(`| ${cols.map((c) => escapeMarkdownCell(c.header)).join(' | ')} |`);
  lines.push(`|${cols.map((c) => (c.numeric ? ' ---: ' : ' --- ')).join('|')}|`);
  for (const r of rows) lines.push(`| ${cols.map((c) => escapeMarkdownCell(c.value(r))).join(' | ')} |`);
  lines.push('');
  lines.push('Latency is end-to-end (request sent → last content token). Throughput is decode speed, (completion tokens − 1) / (E2E − TTFT): prompt tokens are not counted. Failed requests are counted in Success, not dropped. ±CV is the spread of the rounds (stdev / mean).');
  lines.push('', "Model process peak RSS is the memory of the engine process that holds and runs the model (not the caller's); Machine load is the largest 1-minute load average before or after the group's cells, \"(busy)\" above half the cores: such figures are slower than a quiet machine's. See docs/measuring.md.");
  const skipped = rows.filter((r) => r.skipReason);
  if (skipped.length) {
    lines.push('', 'Skipped:');
    for (const r of skipped) lines.push(`- ${escapeMarkdownCell(r.model)} · ${r.provider} · ${r.precision}: skipped: ${escapeMarkdownCell(r.skipReason!)}`);
  }
  if (options.levels?.length) {
    const cols = levelColumns(options.levels);
    lines.push('', '## Load levels', '', ...table(cols, options.levels.map((r) => cols.map((c) => c.value(r)))), '');
    lines.push(`Requests/s and output tok/s over each level's duration (first send to last end); latencies over ok requests; warmup and cooldown requests excluded.${options.slo ? ` Goodput: requests meeting every objective (${formatSlo(options.slo)}), share with a Wilson 95 % interval.` : ''}`);
  }
  if (rows.some((r) => r.synthetic)) {
    lines.push('', '**(synthetic)**: a synthetic model of the real architecture with seeded random weights: its speed is real, its text is meaningless.');
  }
  return `${lines.join('\n')}\n`;
}
