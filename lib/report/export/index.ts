/** Exporters: one per format, each reads plain records and a table's columns (analysis/table/) and returns text; none measures anything. */
export { toCsv, csvTable } from './csv';
export { toJsonl } from './jsonl';
export { toMarkdownSummary, type MarkdownSummaryOptions } from './markdown';
export { markdownTable } from './markdown-table';
export { htmlTable } from './html-table';
export { envJson, environment, type EnvReport } from './env';
export { toHtmlReport, reportFigures, levelFigures, summaryTableHtml, levelTableHtml, comparisonTableHtml, type HtmlReportInput } from './html';
export { metricDefinitions, type MetricDefinition } from './metrics';
