/**
 * Reports: figures (plain plotly specs), notebook display, exporters, and writeReport.
 *
 *   const rows = summarizeResults(requests, cells, { by: 'setting' });
 *   showFigure(latencyBars(rows, { metric: 'ttftMs' }));
 *   writeReport('reports/default/results.jsonl', 'reports/default');
 */
export * from './figures';
export { displayBundle, showFigure, showTable, sendBundle, resetPlotlyInlined, PLOTLY_MIME, type MimeBundle, type Shown } from './display';
export * from './export';
export { writeReport, defaultComparisons, type WriteReportOptions, type ReportPaths } from './write-report';
export { figureHtml, figureText } from './figure-html';
export { plotlyScriptTag } from './plotly-js';
export { escapeHtml } from './escape';
export { modelLabel, groupLabel, fullGroupLabel, SYNTHETIC_SUFFIX } from './labels';
export type { Figure, PlotlyTrace, PlotlyLayout, SyntheticModels } from './types';
export { notebookProgress, type ProgressEvent } from './progress-display';
