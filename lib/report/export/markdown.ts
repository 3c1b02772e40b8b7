/**
 * toMarkdownSummary: the summary rows as a Markdown table (SUMMARY_COLUMNS), one row per
 * group, synthetic models marked, followed by a note when any are.
 */
import type { SummaryRow } from '../../analysis/types';
import { escapeMarkdownCell } from '../escape';
import { SUMMARY_COLUMNS } from './summary-columns';

export interface MarkdownSummaryOptions {
  title?: string;
}

export function toMarkdownSummary(rows: readonly SummaryRow[], options: MarkdownSummaryOptions = {}): string {
  const cols = SUMMARY_COLUMNS;
  const lines: string[] = [];
  if (options.title) lines.push(`# ${escapeMarkdownCell(options.title)}`, '');
  lines.push(`| ${cols.map((c) => escapeMarkdownCell(c.header)).join(' | ')} |`);
  lines.push(`|${cols.map((c) => (c.numeric ? ' ---: ' : ' --- ')).join('|')}|`);
  for (const r of rows) lines.push(`| ${cols.map((c) => escapeMarkdownCell(c.value(r))).join(' | ')} |`);
  lines.push('');
  lines.push('Latency is end-to-end (request sent → last content token). Throughput is decode speed, (completion tokens − 1) / (E2E − TTFT): prompt tokens are not counted. Failed requests are counted in Success, not dropped.');
  if (rows.some((r) => r.synthetic)) {
    lines.push('', '**(synthetic)**: a synthetic model of the real architecture with seeded random weights: its speed is real, its text is meaningless.');
  }
  return `${lines.join('\n')}\n`;
}
