/**
 * Notebook display (the one place that finds tslab's display; show.ts, progress.ts, ask.ts
 * and display-hooks.ts go through it). displayBundle() builds ONE MIME bundle per figure or table:
 *   application/vnd.plotly.v1+json  JupyterLab's plotly renderer;
 *   text/html                        <div> + Plotly.newPlot, for nbconvert's HTML (which drops the
 *                                    plotly type); plotly.js (gzipped, plotly-gz.ts) inlined in the
 *                                    first figure of each executed cell;
 *   text/plain                       a line of text.
 * showFigure()/showTable() send it through tslab's display_data writer when running in a tslab
 * kernel, else print the text. tslab has no public multi-MIME call: we use its internal
 * `lastWriteDisplayData` (tslab's source: https://github.com/yunabe/tslab), found in require.cache so nothing is loaded outside
 * a kernel, and fall back to tslab's public single-MIME html display if it ever disappears.
 */
import { randomBytes } from 'node:crypto';
import { figureHtml, figureText } from '../report/figure-html';
import { plotlyGzipScriptTag } from './plotly-gz';
import type { Figure } from '../report/types';

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

export interface MimeBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient: Record<string, unknown>;
}

/**
 * Where plotly.js was last inlined: undefined = nowhere yet; null = outside a kernel (once per
 * process); else the tslab display writer of the cell execution that carried it. tslab gives
 * every execution its own writer, so plotly.js is inlined once per executed cell: re-running a
 * figure cell, or keeping only some outputs of a saved notebook, still leaves every figure
 * output with plotly.js in its own cell (no CDN).
 */
let inlinedFor: unknown = undefined;

/** Forget that plotly.js was inlined (a new kernel session, tests). */
export function resetPlotlyInlined(): void { inlinedFor = undefined; }

function needsPlotlyJs(): boolean {
  if (inlinedFor === undefined) return true;
  const w = tslabWriter();
  return w !== null && w !== inlinedFor;
}

function isFigure(v: unknown): v is Figure {
  return typeof v === 'object' && v !== null && Array.isArray((v as Figure).data) && typeof (v as Figure).layout === 'object';
}

function htmlToText(html: string): string {
  return html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, '').replace(/<\/(tr|p|div|h\d|li)>/gi, '\n').replace(/<\/t[dh]>/gi, '\t')
    .replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n').trim();
}

/** The MIME bundle of a figure, or of an HTML fragment (a table) given as a string. */
export function displayBundle(figureOrHtml: Figure | string): MimeBundle {
  if (typeof figureOrHtml === 'string') {
    return { data: { 'text/html': figureOrHtml, 'text/plain': htmlToText(figureOrHtml) }, metadata: {}, transient: {} };
  }
  if (!isFigure(figureOrHtml)) throw new TypeError('displayBundle: expected a plotly figure {data, layout} or an HTML string');
  const fig = figureOrHtml;
  const id = `slmlab-plot-${randomBytes(6).toString('hex')}`;
  const inline = needsPlotlyJs();
  const html = (inline ? `${plotlyGzipScriptTag()}\n` : '') + figureHtml(fig, id);
  if (inline) inlinedFor = tslabWriter();
  // Plain JSON (no undefined, no functions) for the plotly MIME type.
  const spec = JSON.parse(JSON.stringify({ data: fig.data, layout: fig.layout })) as unknown;
  return { data: { [PLOTLY_MIME]: spec, 'text/html': html, 'text/plain': figureText(fig) }, metadata: {}, transient: {} };
}

type Writer = (msg: MimeBundle, update: boolean) => void;

/** tslab's internal display writer when this process is a tslab kernel, else null. */
export function tslabWriter(): Writer | null {
  for (const [key, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(key)) continue;
    const w = (mod?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    if (typeof w === 'function') return w as Writer;
  }
  return null;
}

/** tslab's public display (single MIME type), when loaded. */
function tslabPublicDisplay(): { html(s: string): void } | null {
  for (const [key, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]public\.js$/.test(key)) continue;
    const d = (mod?.exports as { display?: { html?: unknown } } | undefined)?.display;
    if (d && typeof d.html === 'function') return d as { html(s: string): void };
  }
  return null;
}

export type Shown = 'tslab' | 'tslab-html' | 'text';

/** Send a bundle to the notebook: the full bundle through tslab's writer, else its HTML through tslab's public display, else its text on stdout. */
export function sendBundle(bundle: MimeBundle): Shown {
  const w = tslabWriter();
  if (w) {
    try { w(bundle, false); return 'tslab'; } catch { /* private API changed: try the public one */ }
  }
  const pub = tslabPublicDisplay();
  if (pub && typeof bundle.data['text/html'] === 'string') { pub.html(bundle.data['text/html']); return 'tslab-html'; }
  process.stdout.write(`${String(bundle.data['text/plain'] ?? '')}\n`);
  return 'text';
}

const inKernel = (): boolean => tslabWriter() !== null || tslabPublicDisplay() !== null;

/** Show a figure in the notebook (outside one: print a line of text, and inline nothing). */
export function showFigure(fig: Figure): void {
  // Returns nothing: tslab prints a cell's last value, and a notebook should show only the figure.
  if (!inKernel()) { process.stdout.write(`${figureText(fig)}\n`); return; }
  sendBundle(displayBundle(fig));
}

/** Show an HTML table (or its text outside a notebook). */
export function showTable(html: string): void {
  sendBundle(displayBundle(html));
}
