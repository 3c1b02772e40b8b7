/**
 * The comparison table (speedups between groups that differ in one setting, analysis/compare.ts),
 * described once: comparisonFrame and CSV read COMPARISON_COLUMNS; report.html's table reads
 * comparisonColumns() (the CI as one "[low, high]" cell).
 */
import type { ComparisonRow } from '../types';
import { column, num, pick, type Column } from './column';

const ci = (c: ComparisonRow): string => (c.low === null || c.high === null ? '-' : `[${num(c.low, 2)}, ${num(c.high, 2)}]`);
const pairGapS = (row: ComparisonRow): number | null => (typeof row.pairGapMs === 'number' ? row.pairGapMs / 1000 : null);

/** The comparison table's data columns, in order. */
export const COMPARISON_COLUMNS: readonly Column<ComparisonRow>[] = Object.freeze([
  column<ComparisonRow>({ name: 'kind', type: 'string', description: "'provider', 'precision', 'model' or 'engine'.", header: 'Kind' }),
  column<ComparisonRow>({ name: 'label', type: 'string', description: "What was compared: 'cuda vs cpu' (candidate vs baseline).", header: 'Comparison' }),
  column<ComparisonRow>({ name: 'context', type: 'string', description: 'The settings both sides share.', header: 'Context' }),
  column<ComparisonRow>({ name: 'metric', type: 'string', description: 'decodeTokensPerSecond, ttftMs or e2eMs.', header: 'Metric' }),
  column<ComparisonRow>({ name: 'speedup', type: 'number', unit: 'x', description: '> 1: the candidate is faster (speeds: candidate/baseline; latencies: baseline/candidate).',
    header: 'Speedup (×)', format: (c) => num(c.speedup, 2) }),
  column<ComparisonRow>({ name: 'low', type: 'number', unit: 'x', description: 'Low end of the 95 % bootstrap interval.', format: (c) => num(c.low, 2) }),
  column<ComparisonRow>({ name: 'high', type: 'number', unit: 'x', description: 'High end of the 95 % bootstrap interval.', format: (c) => num(c.high, 2) }),
  column<ComparisonRow>({ name: 'method', type: 'string', header: 'Method',
    description: "'paired' (the sides took turns request by request: per-round ratios), 'sequential' (one side's rounds, then the other's: ratio of medians) or 'bootstrap' (ratio of medians)." }),
  column<ComparisonRow>({ name: 'n', type: 'integer', description: "Pairs (paired) or the smaller side's ok requests (bootstrap).", header: 'n' }),
  column<ComparisonRow>({ name: 'pair_gap_s', source: 'pairGapMs / 1000', type: 'number', unit: 's', get: pairGapS, header: 'Pair gap (s)',
    description: 'Median time between the two requests of a pair: how far apart the compared figures were measured.' }),
]);

const PRINTED_ONLY: readonly Column<ComparisonRow>[] = Object.freeze([
  column<ComparisonRow>({ name: 'ci', source: 'low, high', type: 'string', description: 'The 95 % interval of the speedup, "[low, high]".', get: ci, header: '95 % CI', numeric: true }),
]);

const REPORT_VIEW = ['kind', 'label', 'context', 'metric', 'speedup', 'ci', 'method', 'n', 'pair_gap_s'];

/** The columns of report.html's comparison table. */
export function comparisonColumns(rows: readonly ComparisonRow[]): Column<ComparisonRow>[] {
  return pick([...COMPARISON_COLUMNS, ...PRINTED_ONLY], REPORT_VIEW, rows);
}
