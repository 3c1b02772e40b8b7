/**
 * The chat page's latency chart: for each of the last N answers, two bars (TTFT, total time)
 * coloured by model, drawn as SVG with the DOM API (a dozen bars do not need a plotting
 * library, and this keeps the page's CSP free of inline styles).
 */
export interface AnswerLatency { model: string; ttftMs: number; totalMs: number }

const SVG = 'http://www.w3.org/2000/svg';
const PALETTE = ['#2a62c9', '#d9822b', '#2e9e6a', '#a24bc2', '#c23b3b', '#6b7a8f'];

function node<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Redraws `container` with the last `n` answers. */
export function drawLatencyChart(container: HTMLElement, answers: readonly AnswerLatency[], n = 10): void {
  const shown = answers.slice(-n);
  const W = 420, H = 200, left = 48, bottom = 34, top = 10;
  const label = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`);
  const svg = node('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'time to first token and total time per answer' });
  const models = [...new Set(answers.map((a) => a.model))];
  const colour = (m: string) => PALETTE[models.indexOf(m) % PALETTE.length];
  const max = Math.max(1, ...shown.map((a) => a.totalMs));
  const y = (ms: number) => H - bottom - (ms / max) * (H - bottom - top);
  for (const f of [0, 0.5, 1]) {
    svg.append(node('line', { x1: left, x2: W - 4, y1: y(max * f), y2: y(max * f), stroke: '#e3e6ec' }));
    svg.append(node('text', { x: left - 4, y: y(max * f) + 3, 'text-anchor': 'end' }, label(max * f)));
  }
  const slot = (W - left - 8) / Math.max(n, 1);
  shown.forEach((a, i) => {
    const x = left + 4 + i * slot;
    const w = Math.max(3, slot / 2 - 3);
    svg.append(node('rect', { x, y: y(a.ttftMs), width: w, height: H - bottom - y(a.ttftMs), fill: colour(a.model), opacity: 0.55 },));
    svg.append(node('rect', { x: x + w + 1, y: y(a.totalMs), width: w, height: H - bottom - y(a.totalMs), fill: colour(a.model) }));
    svg.append(node('text', { x: x + w, y: H - bottom + 12, 'text-anchor': 'middle' }, `#${answers.length - shown.length + i + 1}`));
  });
  let lx = left;
  for (const m of models) {
    svg.append(node('rect', { x: lx, y: H - 12, width: 9, height: 9, fill: colour(m) }));
    const name = m.length > 28 ? m.slice(0, 27) + '…' : m;
    svg.append(node('text', { x: lx + 12, y: H - 4 }, name));
    lx += 18 + name.length * 5.5;
  }
  svg.append(node('text', { x: W - 4, y: top + 2, 'text-anchor': 'end' }, 'light: TTFT · dark: total'));
  container.replaceChildren(svg);
}
