/**
 * What a grid will cost before any GPU time is spent: counts for code (describeWork) and
 * the `--dry-run` listing for people (formatDryRun). Printing is kept apart from counting.
 */
import type { ProviderName } from '../../engine/providers';
import { textTable } from '../../util/text-table';
import { loadGroupKey, type Cell } from './expand';
import { LOGITS_AXIS } from './axes';
import type { ScheduleOptions } from './schedule';

export interface WorkSummary {
  cells: number;
  /** Model loads: distinct (endpoint, threads, model, provider, precision). Cells are ordered so each loads once. */
  loads: number;
  /** warmup counts every request left out of statistics (warmup and cooldown). */
  requests: { warmup: number; measured: number; total: number };
  endpoints: number;
  models: number;
  providers: ProviderName[];
  /**
   * Token estimates over every request, warmups included. prompt: about 4 characters per
   * token plus 4 per message and 3 for the reply's opening (chat-template overhead);
   * completion: maxTokens, an upper bound that synthetic models, which never stop early, reach.
   */
  estimatedTokens: { prompt: number; completion: number; total: number };
}

/** Rough prompt tokens of one request (see WorkSummary.estimatedTokens). */
export function estimatePromptTokens(cell: Pick<Cell, 'messages'>): number {
  return cell.messages.reduce((n, m) => n + Math.ceil(m.content.length / 4) + 4, 3);
}

export function describeWork(cells: readonly Cell[]): WorkSummary {
  let warmup = 0, measured = 0, prompt = 0, completion = 0;
  for (const c of cells) {
    const requests = (c.warmup + c.rounds + c.cooldown) * c.concurrency;
    warmup += (c.warmup + c.cooldown) * c.concurrency;
    measured += c.rounds * c.concurrency;
    prompt += requests * estimatePromptTokens(c);
    completion += requests * c.maxTokens;
  }
  const distinct = (f: (c: Cell) => string) => new Set(cells.map(f)).size;
  return {
    cells: cells.length,
    loads: distinct(loadGroupKey),
    requests: { warmup, measured, total: warmup + measured },
    endpoints: distinct((c) => c.endpoint),
    models: distinct((c) => c.model),
    providers: [...new Set(cells.map((c) => c.provider))],
    estimatedTokens: { prompt, completion, total: prompt + completion },
  };
}

interface Column { header: string; value: (c: Cell) => string }

/** The settings columns a dry run can show; those equal in every cell move to the "same for every cell" line. */
const SETTINGS: readonly (Column & { always?: boolean })[] = [
  { header: 'endpoint', value: (c) => c.endpoint },
  { header: 'threads', value: (c) => (c.threads === 0 ? 'auto' : String(c.threads)) },
  { header: LOGITS_AXIS.header, value: (c) => c.logits },
  { header: 'model', value: (c) => c.model, always: true },
  { header: 'role', value: (c) => c.role ?? '-' },
  { header: 'provider', value: (c) => c.provider, always: true },
  { header: 'engine', value: (c) => c.engine },
  { header: 'precision', value: (c) => c.precision },
  { header: 'prompt', value: (c) => `${c.promptSetId}#${c.promptId}`, always: true },
  { header: 'max_tokens', value: (c) => String(c.maxTokens) },
  { header: 'temperature', value: (c) => String(c.temperature) },
  { header: 'seed', value: (c) => String(c.seed) },
  { header: 'concurrency', value: (c) => String(c.concurrency) },
  { header: 'rate', value: (c) => (c.rate === null ? '-' : `${c.rate}/s ${c.arrivals}${c.maxConcurrency ? ` ≤${c.maxConcurrency}` : ''}`) },
  { header: 'input_tokens', value: (c) => (c.inputTokens === null ? '-' : String(c.inputTokens)) },
  { header: 'mode', value: (c) => c.mode },
  { header: 'stream', value: (c) => (c.stream ? 'on' : 'off') },
  { header: 'rounds', value: (c) => String(c.rounds) },
  { header: 'warmup', value: (c) => String(c.warmup) },
];

const thousands = (n: number): string => n.toLocaleString('en-US');

/**
 * The `--dry-run` text: the grid hash, the settings shared by every cell, one row per
 * cell in run order (with its load number and request count), and the work in total.
 */
export function formatDryRun(cells: readonly Cell[], opts: ScheduleOptions = {}): string {
  if (cells.length === 0) return 'no cells: the grid is empty';
  const varying = SETTINGS.filter((s) => s.always || new Set(cells.map(s.value)).size > 1);
  const constant = SETTINGS.filter((s) => !varying.includes(s) && !(s.header === 'role' && cells[0].role === null)
    && !(s.header === LOGITS_AXIS.header && LOGITS_AXIS.defaults.includes(cells[0].logits))
    && !(s.header === 'engine' && cells[0].engine === 'onnxruntime'));
  const loadNo = new Map<string, number>();
  for (const c of cells) if (!loadNo.has(loadGroupKey(c))) loadNo.set(loadGroupKey(c), loadNo.size + 1);
  const header = ['#', 'load', ...varying.map((s) => s.header), 'requests', 'cell'];
  const rows = cells.map((c) => [String(c.index), String(loadNo.get(loadGroupKey(c))), ...varying.map((s) => s.value(c)),
    String((c.warmup + c.rounds + c.cooldown) * c.concurrency), c.cellId]);

  const w = describeWork(cells);
  const hashes = [...new Set(cells.map((c) => c.gridHash))];
  const mode = opts.interleave ?? 'load-group';
  const lines = [
    `grid hash ${hashes.join(', ')}`,
    constant.length ? `same for every cell: ${constant.map((s) => `${s.header} ${s.value(cells[0])}`).join(' · ')}` : '',
    '',
    textTable(header, rows),
    '',
    `${thousands(w.cells)} cells · ${thousands(w.loads)} model load${w.loads === 1 ? '' : 's'} · ` +
      `${thousands(w.requests.total)} requests (${thousands(w.requests.warmup)} warmup${cells.some((c) => c.cooldown > 0) ? '/cooldown' : ''} + ${thousands(w.requests.measured)} measured) · ` +
      `≈ ${thousands(w.estimatedTokens.total)} tokens (${thousands(w.estimatedTokens.prompt)} prompt + ≤ ${thousands(w.estimatedTokens.completion)} generated, estimated)`,
    cells[0].mode === 'load' ? 'order: each cell is one load level, run as a block (warmup, measured, cooldown requests under the same load)' : `order: cells of one load run together; ${mode === 'none' ? 'each cell runs all its rounds in turn' : `warmups first, then rounds interleaved across the cells of each ${mode === 'model' ? 'model (all its providers and precisions loaded together)' : 'load'}`}`,
  ];
  return lines.filter((l, i) => !(l === '' && i === 1)).join('\n');
}
