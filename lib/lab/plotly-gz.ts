/**
 * plotly.js for notebook outputs, compressed: the minified bundle gzipped and base64-encoded
 * (4.8 MB -> about 2 MB) in a <script> that inflates it in the browser with DecompressionStream
 * (Chromium 80+, Firefox 113+, Safari 16.4+) and sets `window.__slmlabPlotly`, a promise of
 * window.Plotly. Notebook figures inline it once per executed cell (display.ts), so a saved
 * notebook with several figure cells stays a few MB per cell instead of ~5. figureHtml's
 * drawing script waits on that promise when window.Plotly is not there yet. The bundle runs
 * inside `(function(define,module,exports){…}).call(window)`, as in report/plotly-js.ts, so require.js
 * pages (nbconvert's templates) still get window.Plotly.
 */
import * as fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import { plotlyJsPath } from '../report/plotly-js';

let cached: string | null = null;

export function plotlyGzipScriptTag(): string {
  if (cached === null) {
    const b64 = gzipSync(fs.readFileSync(plotlyJsPath()), { level: 9 }).toString('base64');
    cached = '<script type="text/javascript" data-slmlab="plotly.js.gz">(function(){'
      + 'if(window.Plotly||window.__slmlabPlotly)return;'
      + `var b=atob("${b64}");var u=new Uint8Array(b.length);for(var i=0;i<b.length;i++)u[i]=b.charCodeAt(i);`
      + 'window.__slmlabPlotly=new Response(new Blob([u]).stream().pipeThrough(new DecompressionStream("gzip"))).text().then(function(src){'
      + 'var s=document.createElement("script");s.textContent="(function(define,module,exports){\\n"+src+"\\n}).call(window);";'
      + 'document.head.appendChild(s);if(!window.Plotly)throw new Error("plotly.js did not define window.Plotly");return window.Plotly;});'
      + '})();</script>';
  }
  return cached;
}
