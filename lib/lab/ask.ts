/**
 * ask(): one prompt, streamed into one output that grows in place, then its timing line:
 * load time, time to first token, tokens and decode speed. The model is loaded for the call
 * and disposed after it (pass `keep: true` to get it back for more calls).
 *
 *   const a = await ask('qwen2.5-0.5b-twin', 'List 5 creative IoT edge AI ideas.', { maxTokens: 64 });
 *   a.timing   // 'load 812 ms · TTFT 95 ms · 64 tokens · 31.2 tokens/s (decode) · total 2.2 s'
 */
import { randomBytes } from 'node:crypto';
import { escapeHtml } from '../report/escape';
import { tslabWriter } from './display';
import { locateModel } from '../registry/locate-model';
import { loadModel, type LoadedModel } from '../engine/engine';
import type { ProviderName } from '../engine/providers';
import type { GenerationResult } from '../engine/types';

export interface AskOptions { maxTokens?: number; provider?: ProviderName; temperature?: number; keep?: boolean }

export interface AskResult {
  text: string;
  loadMs: number;
  result: GenerationResult;
  /** The timing line shown under the text. */
  timing: string;
  /** The loaded model when `keep` was set (dispose it when done), else null. */
  model: LoadedModel | null;
}

export function timingLine(loadMs: number | null, r: GenerationResult): string {
  const parts = [
    ...(loadMs === null ? [] : [`load ${loadMs.toFixed(0)} ms`]),
    `TTFT ${(r.timings.firstTextMs ?? r.timings.ttftMs).toFixed(0)} ms`,
    `${r.promptTokens} prompt + ${r.completionTokens} generated tokens`,
    `${r.decodeTokensPerSecond === null ? 'n/a' : r.decodeTokensPerSecond.toFixed(1)} tokens/s (decode)`,
    `total ${(r.timings.totalMs / 1000).toFixed(2)} s`,
    `${r.provider}${r.synthetic ? ' · synthetic: the text is meaningless' : ''}`,
  ];
  return parts.join(' · ');
}

export async function ask(model: string, prompt: string, options: AskOptions = {}): Promise<AskResult> {
  const located = await locateModel(model, { ep: options.provider ?? 'cpu' });
  const t0 = performance.now();
  const loaded = await loadModel(located.dir, { provider: options.provider ?? 'cpu' });
  const loadMs = performance.now() - t0;
  const writer = tslabWriter();
  const id = `slmlab-ask-${randomBytes(6).toString('hex')}`;
  let text = '';
  let shown = false;
  let last = 0;
  const render = (footer: string) => {
    if (!writer) return;
    const html = `<div style="font-family:system-ui,sans-serif;font-size:13px"><b>${escapeHtml(model)}</b> ← ${escapeHtml(prompt)}`
      + `<pre style="white-space:pre-wrap;margin:4px 0">${escapeHtml(text)}</pre><small>${escapeHtml(footer)}</small></div>`;
    writer({ data: { 'text/html': html, 'text/plain': `${text}\n${footer}` }, metadata: {}, transient: { display_id: id } }, shown);
    shown = true;
  };
  try {
    const stream = loaded.generate({ prompt, maxTokens: options.maxTokens ?? 64, temperature: options.temperature ?? 0 });
    for await (const d of stream) {
      text += d.text;
      if (!writer) process.stdout.write(d.text);
      else if (performance.now() - last > 100) { render('generating…'); last = performance.now(); }
    }
    const result = await stream.result;
    const timing = timingLine(loadMs, result);
    if (writer) render(timing); else process.stdout.write(`\n${timing}\n`);
    return { text: result.text, loadMs, result, timing, model: options.keep ? loaded : null };
  } finally {
    if (!options.keep) await loaded.dispose();
  }
}
