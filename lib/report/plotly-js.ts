/**
 * plotly.js (plotly.js-dist-min) as an inline <script>, read once per process. Wrapped in
 * `(function(define,module,exports){…}).call(window)` so a page with require.js (nbconvert's
 * templates load it) still gets window.Plotly instead of an anonymous AMD module
 * (nbconvert's classic templates: https://github.com/jupyter/nbconvert/tree/main/share/templates).
 */
import * as fs from 'node:fs';

let cached: string | null = null;

/** Path of the minified bundle. */
export function plotlyJsPath(): string {
  return require.resolve('plotly.js-dist-min/plotly.min.js');
}

/** `<script data-slmlab="plotly.js">…</script>`: put it once in a page, before any figure. */
export function plotlyScriptTag(): string {
  if (cached === null) {
    const src = fs.readFileSync(plotlyJsPath(), 'utf8').replace(/<\/(script)/gi, '<\\/$1');
    cached = `<script type="text/javascript" data-slmlab="plotly.js">(function(define,module,exports){\n${src}\n}).call(window);</script>`;
  }
  return cached;
}
