/** Human-readable lines for the CLI. Printing only: no measuring here. */
import type { BuildReport } from '../../lib/cache/build-model';
import type { GenerationResult } from '../../lib/engine/types';

import { formatBytes as bytes } from '../../lib/util/format-bytes';
export { bytes };

export function ms(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`;
}

export const SYNTHETIC_BANNER = 'synthetic model: real architecture and size, random weights (its text is meaningless; its speed is real)';

/** The banner for a synthetic model: a twin's (real architecture and size) or a test model's (tiny and models quantised from it). */
export function syntheticBanner(twinOf: string | null): string {
  return twinOf
    ? `synthetic twin of ${twinOf}: its architecture and size, random weights (its text is meaningless; its speed is real)`
    : 'synthetic test model: a made-up architecture, random weights (neither its text nor its speed means anything)';
}

/**
 * Generated text made safe for a terminal: control characters other than newline and tab
 * (ESC sequences, BEL, backspace, C1 controls, ...) are shown as \xNN / \u{NNNN} instead of
 * being interpreted. A random-weight model emits any token, control bytes included.
 */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
  });
}

export function buildSummary(r: BuildReport): string {
  const what = r.twinOf ? `twin of ${r.twinOf}` : 'test model';
  const verb = r.reused ? 'already built' : `built in ${r.seconds.toFixed(1)} s`;
  return [
    `${r.id}: ${verb} (${what}, synthetic)`,
    `  folder      ${r.dir}`,
    `  size        ${bytes(r.totalBytes)} in ${r.files.length} files`,
    `  parameters  ${(r.parameters / 1e6).toFixed(1)} M (as the real model counts them)`,
  ].join('\n');
}

export function resultSummary(r: GenerationResult, twinOf: string | null = null): string {
  const t = r.timings;
  const decode = r.decodeTokensPerSecond === null ? 'n/a' : `${r.decodeTokensPerSecond.toFixed(1)} tok/s`;
  const lines = [
    `${r.model} on ${r.provider}: ${r.promptTokens} prompt tokens, ${r.completionTokens} generated, finish: ${r.finishReason}`,
    `  tokenize ${ms(t.tokenizeMs)} · prefill ${ms(t.prefillMs)} · time to first token ${ms(t.ttftMs)} · decode ${decode} · total ${ms(t.totalMs)}`,
  ];
  if (r.templateNote) lines.push(`  note: ${r.templateNote}`);
  if (r.synthetic) lines.push(`  ${syntheticBanner(twinOf)}`);
  return lines.join('\n');
}
