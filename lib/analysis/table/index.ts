/** Tables described once: a column list per table (table/*-table.ts), read by every renderer (text here; Markdown, HTML and CSV in report/export; DataFrames in frame.ts). */
export { column, pick, byName, num, defaultFormat, type Column, type ColumnType, type ColumnInit, type CellValue } from './column';
export { COLUMNS, SUMMARY_TABLE, summaryColumns, summaryTextColumns, loadText, medianWithCi, withCv, throughputText, successText, deterministicText, modelMemoryText, machineLoadText } from './summary-table';
export { levelColumns, levelDataColumns, type LevelColumnOptions } from './level-table';
export { COMPARISON_COLUMNS, comparisonColumns } from './comparison-table';
export { renderText } from './render-text';
