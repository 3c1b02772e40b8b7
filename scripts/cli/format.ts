/** Human-readable lines for the CLI. Printing only: no measuring here. */
import type { BuildReport } from '../../lib/synth/build-model';
import type { GenerationResult } from '../../lib/engine/types';

import { formatBytes as bytes } from '../../lib/util/format-bytes';
export { bytes };

export function ms(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`;
}

export const SYNTHETIC_BANNER = 'synthetic model: real architecture and size, random weights (its text is meaningless; its speed is real)';

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

export function resultSummary(r: GenerationResult): string {
  const t = r.timings;
  const decode = r.decodeTokensPerSecond === null ? 'n/a' : `${r.decodeTokensPerSecond.toFixed(1)} tok/s`;
  const lines = [
    `${r.model} on ${r.provider}: ${r.promptTokens} prompt tokens, ${r.completionTokens} generated, finish: ${r.finishReason}`,
    `  tokenize ${ms(t.tokenizeMs)} · prefill ${ms(t.prefillMs)} · time to first token ${ms(t.ttftMs)} · decode ${decode} · total ${ms(t.totalMs)}`,
  ];
  if (r.templateNote) lines.push(`  note: ${r.templateNote}`);
  if (r.synthetic) lines.push(`  ${SYNTHETIC_BANNER}`);
  return lines.join('\n');
}
