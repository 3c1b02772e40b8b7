/** Exporters: each reads plain records and returns text; none measures anything. */
export { toCsv } from './csv';
export { toJsonl } from './jsonl';
export { toMarkdownSummary, type MarkdownSummaryOptions } from './markdown';
export { envJson, environment, type EnvReport } from './env';
export { toHtmlReport, reportFigures, summaryTableHtml, comparisonTableHtml, type HtmlReportInput } from './html';
export { metricDefinitions, type MetricDefinition } from './metrics';
export { SUMMARY_COLUMNS, summaryColumns, loadText, type SummaryColumn } from './summary-columns';
