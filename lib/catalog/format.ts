/**
 * Text for the terminal: the `model list` table in `foundry model list`'s layout (alias
 * printed once per group, groups separated by dashes) and the `model info` page. Pure
 * functions of the plain records in rows.ts.
 */
import { formatBytes } from '../util/format-bytes';
import type { ModelInfo, ModelListRow } from './rows';

export const LIST_HEADER = ['Alias', 'Device', 'Task', 'File Size', 'License', 'Model ID'] as const;
export const SYNTHETIC_MARK = '(synthetic)';
export const CACHED_MARK = '(cached)';
export const UNAVAILABLE_MARK = '(unavailable)';

export { formatBytes };

/** Parameters as '494M', '3.84B', '107K'. */
export function formatParameters(n: number): string {
  if (n >= 1e9) return `${Number((n / 1e9).toFixed(2))}B`;
  if (n >= 1e6) return `${Math.round(n / 1e6)}M`;
  if (n >= 1e3) return `${Math.round(n / 1e3)}K`;
  return String(n);
}

/** Left-aligned columns, two spaces apart. */
function table(header: readonly string[], body: string[][], separatorBefore: Set<number>): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (cells: readonly string[]) => cells.map((s, c) => (c === cells.length - 1 ? s : s.padEnd(widths[c]))).join('  ').trimEnd();
  const rule = '-'.repeat(widths.reduce((a, w) => a + w, 0) + 2 * (widths.length - 1));
  const out = [line(header)];
  body.forEach((r, i) => {
    if (separatorBefore.has(i)) out.push(rule);
    out.push(line(r));
  });
  return out;
}

/**
 * The `model list` table: header `Alias  Device  Task  File Size  License  Model ID`, one
 * row per variant, the alias on the first row of its group (with '(synthetic)' after a
 * synthetic model's alias), '(cached)' after cached ids, and a legend line.
 */
export function formatModelList(rows: ModelListRow[]): string {
  if (rows.length === 0) return 'No models match. Run `slmlab model list` without --filter to see them all.\n';
  const separators = new Set<number>();
  const body = rows.map((r, i) => {
    if (r.first && i > 0) separators.add(i);
    const alias = r.first ? (r.synthetic ? `${r.alias} ${SYNTHETIC_MARK}` : r.alias) : '';
    const id = r.cached ? `${r.variantId} ${CACHED_MARK}` : r.unavailable !== null ? `${r.variantId} ${UNAVAILABLE_MARK}` : r.variantId;
    return [alias, r.device, r.task, formatBytes(r.size), r.license, id];
  });
  const unavailable = [...new Map(rows.filter((r) => r.unavailable !== null).map((r) => [r.alias, r.unavailable])).entries()]
    .map(([alias, why]) => `${UNAVAILABLE_MARK} ${alias}: ${why}`);
  const legend = `${SYNTHETIC_MARK} = built offline by slmlab with random weights: a twin (…-twin) has its real model's architecture and size, ` +
    `so its speed is the real model's and its text is meaningless; tiny is a made-up test model (neither means anything). ${CACHED_MARK} = already in the local cache. ` +
    `Run a model by alias (best variant for this machine) or by Model ID.`;
  return [...table(LIST_HEADER, body, separators), '', legend, ...(unavailable.length ? ['', ...unavailable] : [])].join('\n') + '\n';
}

/** The `model info` page; `license: true` (--license) prints the licence block only. */
export function formatModelInfo(info: ModelInfo, opts: { license?: boolean } = {}): string {
  const licence = [`License:      ${info.license}`, `License URL:  ${info.licenseUrl ?? '(none recorded)'}`];
  if (opts.license) {
    return [`${info.alias} (${info.displayName})`, ...licence,
      info.licenseUrl ? 'Read the full terms at the URL above before using the model.' : 'No licence URL is recorded for this model.'].join('\n') + '\n';
  }
  const lines = [
    `${info.alias}${info.synthetic ? ` ${SYNTHETIC_MARK}` : ''}: ${info.displayName}`,
    `Publisher:    ${info.publisher}`,
    `Family:       ${info.family}`,
    `Parameters:   ${formatParameters(info.parameters)} (${info.parameters.toLocaleString('en-US')})`,
    `Context:      ${info.contextLength.toLocaleString('en-US')} tokens`,
    `Task:         ${info.task}${info.supportsToolCalling ? ' (tools)' : ''}`,
    ...licence,
  ];
  if (info.twinOf) lines.push(`Twin of:      ${info.twinOf}`);
  if (info.promptTemplate) lines.push(`Prompt:       Foundry-style template (${Object.keys(info.promptTemplate).join(', ')})`);
  if (info.description) lines.push('', info.description);
  if (info.unavailable) lines.push('', `Unavailable: ${info.unavailable}`);
  lines.push('', 'Variants (an alias runs the best one usable here: cuda, then webgpu, then cpu):');
  for (const v of info.variants) {
    lines.push(`  ${v.id}`, `    ${v.device} / ${v.provider} / ${v.precision}, ${formatBytes(v.size)}`, `    ${v.source}`);
    if (v.unavailable && v.unavailable !== info.unavailable) lines.push(`    unavailable: ${v.unavailable}`);
    for (const e of v.evidence) lines.push(`    evidence: ${e}`);
    for (const u of v.unverified) lines.push(`    unverified: ${u}`);
  }
  return lines.join('\n') + '\n';
}
