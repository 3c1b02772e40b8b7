/**
 * A figure as an HTML fragment: a <div> plus a <script> calling Plotly.newPlot. Expects
 * window.Plotly (plotlyScriptTag() earlier in the page), or waits for window.__slmlabPlotly
 * (plotlyGzipScriptTag(), in notebooks). JSON escaped for <script>.
 */
import { escapeHtml, jsonForScript } from './escape';
import type { Figure } from './types';

export const PLOT_CONFIG = Object.freeze({ responsive: true, displaylogo: false });

export function figureHtml(fig: Figure, id: string): string {
  const height = typeof fig.layout.height === 'number' ? fig.layout.height : 420;
  const safeId = escapeHtml(id);
  return `<div id="${safeId}" class="slmlab-plot" style="width:100%;height:${height}px"></div>\n`
    + `<script type="text/javascript">(function(){var el=document.getElementById(${jsonForScript(id)});`
    + `function draw(){window.Plotly.newPlot(el,${jsonForScript(fig.data)},${jsonForScript(fig.layout)},${jsonForScript(PLOT_CONFIG)});}`
    + 'if(window.Plotly){draw();}'
    + 'else if(window.__slmlabPlotly){window.__slmlabPlotly.then(draw,function(e){el.textContent="plotly.js did not load: "+e;});}'
    + `else{el.textContent='plotly.js did not load: figure not drawn';}})();</script>`;
}

/** A figure in words for text/plain: its title and traces. */
export function figureText(fig: Figure): string {
  const title = fig.layout.title as { text?: string } | string | undefined;
  const t = typeof title === 'string' ? title : title?.text ?? 'figure';
  const names = fig.data.map((d) => String(d.name ?? d.type ?? 'trace'));
  return `<plotly figure: ${t}; ${fig.data.length} trace(s)${names.length ? `: ${names.join(', ')}` : ''}>`;
}
