/**
 * slmlab/notebook: the notebook face. A lesson cell is one or two of these calls.
 *
 *   import { show, benchmark, download, ask } from 'slmlab/notebook';
 *   show(frame)                          a polars/danfo DataFrame as an HTML table (row limit, text/plain too)
 *   show(figure)                         a plotly figure (plotly.js inlined once per cell, no CDN)
 *   await download('qwen2.5-0.5b-twin')  a progress bar that updates in place
 *   await ask(model, prompt)             streamed text, then its timing line
 *   await benchmark(spec, { resultsFile }) a grid with progress; a typo or a dead endpoint fails the cell
 *
 * Importing it inside a tslab kernel installs display hooks: a DataFrame left as a cell's last
 * value renders as a table, and slmlab's errors print as one line (see display-hooks.ts).
 */
import { installDisplayHooks } from './display-hooks';

export { show, tableBundle, showDefaults, type ShowOptions } from './show';
export { tableOf, isTableLike, isPolarsFrame, isDanfoFrame, type Table } from './table';
export { tableHtml, tableText } from './table-html';
export { formatCell } from './format-cell';
export { oneLine } from './one-line';
export { progress, type Progress, type ProgressOptions } from './progress';
export { notebookProgress } from './progress';
export { installDisplayHooks, hookDanfoClass } from './display-hooks';
export { showParameters, parameterRows } from './parameters';
export { benchmark, LessonRunError, LESSON_COLUMNS, type BenchmarkOptions, type BenchmarkResult } from './benchmark';
export { download, type DownloadResult } from './download';
export { ask, timingLine, type AskOptions, type AskResult } from './ask';
export { resultsDir, RESULTS_ROOT } from './results-dir';
export { toDanfo } from './danfo';
export { catalogFrame, cacheFrame, providersFrame } from './frames';
export { exportReport } from './export';

installDisplayHooks();
