/**
 * Analysis: results JSONL -> plain summary, comparison and load-level rows (types.ts,
 * load-levels.ts) -> DataFrames and printed tables, each table's columns described once in table/.
 *
 *   const { requests, cells } = loadResults('reports/default/results.jsonl');
 *   const rows = summarizeResults(requests, cells, { by: 'setting' });
 *   const gpu = compare(requests, { kind: 'provider', baseline: 'cpu' });   // gpu.notes: why pairs were left out
 *   pivot(toFrame(rows), { index: 'model', columns: 'provider', values: 'decode_tps_median' });
 */
export type { GroupKey, SummaryRow, ComparisonRow } from './types';
export { loadResults, type LoadedResults } from './load';
export { isSyntheticModel, type SyntheticOptions } from './synthetic';
export { groupKeyOf, groupId, type GroupBy } from './group';
export { summarizeResults, type SummarizeResultsOptions } from './summary';
export { summarizeLevels, levelLabel, type LevelRow, type LevelOptions, type Distribution, type Goodput } from './load-levels';
export { formatLevels, formatSummary } from './format';
export { compare, type CompareOptions, type CompareKind, type CompareMetric, type ComparisonResult } from './compare';
export { COLUMNS, COMPARISON_COLUMNS, flatten, type Column, type ColumnType } from './columns';
export { SUMMARY_TABLE, summaryColumns, summaryTextColumns, levelColumns, levelDataColumns, comparisonColumns, renderText, loadText, type LevelColumnOptions, type CellValue } from './table';
export { toFrame, comparisonFrame, levelFrame, frameOf, pivot, type PivotOptions, type DataFrame } from './frame';
export { polarsToDanfo } from './danfo';
