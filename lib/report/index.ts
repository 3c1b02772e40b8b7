/**
 * Reports: figures (plain plotly specs), exporters (one per format, over the tables' columns
 * in analysis/table/), and writeReport. Notebook display is lib/lab's (show, showFigure).
 *
 *   const rows = summarizeResults(requests, cells, { by: 'setting' });
 *   const fig = latencyBars(rows, { metric: 'ttftMs' });
 *   writeReport('reports/default/results.jsonl', 'reports/default');
 */
export * from './figures';
export * from './export';
export { writeReport, defaultComparisons, type WriteReportOptions, type ReportPaths } from './write-report';
export { figureHtml, figureText } from './figure-html';
export { plotlyScriptTag } from './plotly-js';
export { escapeHtml } from './escape';
export { modelLabel, groupLabel, fullGroupLabel, SYNTHETIC_SUFFIX } from './labels';
export type { Figure, PlotlyTrace, PlotlyLayout, SyntheticModels } from './types';
