/**
 * Summary rows (types.ts SummaryRow) from request records and cell summaries.
 *
 * - Warmup requests are left out of everything.
 * - ok / errors / skipped count measured requests by status; only ok ones feed the statistics
 *   (lib/bench/stats summarize: median, bootstrap CI of the median, percentiles, MAD outliers);
 *   a null measurement (tpot below 2 tokens, say) is left out of its metric.
 * - skipReason: the distinct reasons, '; '-joined, when every request of the group was skipped.
 * - deterministic: AND over the group's cells at temperature 0 of the cell summary's flag
 *   (or, for a cell with no summary line, "its ok measured rounds share one output hash");
 *   null when no cell was checked.
 * - peakRssBytes: the caller's largest RSS among the group's cell summaries; null when none reported one.
 * - modelPeakRssBytes, modelPssBytes, modelUssBytes, servicePeakRssBytes, modelFileBytes: the
 *   largest among the cells' `memory` (the model's engine process, the service); memoryNote
 *   says why they are null (an external endpoint).
 * - load1, cpuPressure, stealPercent: the largest of the cells' `load` readings; underLoad: any
 *   cell ran with the 1-minute load above half the cores.
 * - synthetic: isSyntheticModel(model) (catalog entry, or a folder's config.json).
 */
import { isMeasured, type CellSummaryRecord, type RequestRecord } from '../bench/store';
import { summarize, type SummarizeOptions } from '../bench/stats';
import type { SummaryRow } from './types';
import { groupId, groupKeyOf, type GroupBy } from './group';
import { isSyntheticModel, type SyntheticOptions } from './synthetic';

export interface SummarizeResultsOptions extends SyntheticOptions {
  /** 'cell' (default): one row per group and prompt; 'setting': across prompts (promptId null). */
  by?: GroupBy;
  /** Passed to summarize (bootstrap seed and resamples, outlier threshold). */
  stats?: SummarizeOptions;
  /** Overrides the synthetic lookup (tests, custom catalogs). */
  synthetic?: (model: string) => boolean;
}

type CellLike = Pick<CellSummaryRecord, 'gridHash' | 'cellId' | 'temperature' | 'deterministic' | 'peakRssBytes' | 'memory' | 'load'>;

/** The largest of the numbers (null when none). */
const maxOf = (xs: readonly (number | null | undefined)[]): number | null => {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? Math.max(...v) : null;
};

/** Whose memory and how busy the machine was, over a group's cell lines. */
function processFields(cs: readonly CellLike[]): Pick<SummaryRow, 'modelPeakRssBytes' | 'modelPssBytes' | 'modelUssBytes' | 'servicePeakRssBytes' | 'modelFileBytes' | 'memoryNote' | 'load1' | 'cpuPressure' | 'stealPercent' | 'underLoad'> {
  const mem = cs.map((c) => c.memory).filter((m) => m !== undefined);
  const load = cs.map((c) => c.load).filter((l) => l !== undefined);
  return {
    modelPeakRssBytes: maxOf(mem.map((m) => m.modelProcess?.peakRssBytes)),
    modelPssBytes: maxOf(mem.map((m) => m.modelProcess?.pssBytes)),
    modelUssBytes: maxOf(mem.map((m) => m.modelProcess?.ussBytes)),
    servicePeakRssBytes: maxOf(mem.map((m) => m.serviceProcess?.peakRssBytes)),
    modelFileBytes: maxOf(mem.map((m) => m.modelFileBytes)),
    memoryNote: mem.find((m) => m.notMeasured)?.notMeasured ?? null,
    load1: maxOf(load.flatMap((l) => [l.before.load1, l.after.load1])),
    cpuPressure: maxOf(load.flatMap((l) => [l.before.cpuPressureSome10, l.after.cpuPressureSome10])),
    stealPercent: maxOf(load.map((l) => l.stealPercent)),
    underLoad: load.length ? load.some((l) => l.underLoad) : null,
  };
}

const values = (rs: readonly RequestRecord[], f: (r: RequestRecord) => number | null): number[] =>
  rs.map(f).filter((x): x is number => typeof x === 'number');

/** The deterministic flag of one cell from its requests (cell summary missing). */
function cellDeterminism(rs: readonly RequestRecord[]): boolean | null {
  const ok = rs.filter((r) => r.status === 'ok');
  if (ok.length === 0 || ok[0].temperature !== 0) return null;
  return new Set(ok.map((r) => r.outputSha256)).size === 1;
}

export function summarizeResults(requests: readonly RequestRecord[], cells: readonly CellLike[] = [], opts: SummarizeResultsOptions = {}): SummaryRow[] {
  const by = opts.by ?? 'cell';
  const cellOf = new Map(cells.map((c) => [`${c.gridHash}:${c.cellId}`, c]));
  const synthCache = new Map<string, boolean>();
  const synthetic = (m: string) => {
    if (!synthCache.has(m)) synthCache.set(m, opts.synthetic ? opts.synthetic(m) : isSyntheticModel(m, opts));
    return synthCache.get(m)!;
  };

  const groups = new Map<string, RequestRecord[]>();
  for (const r of requests) {
    if (!isMeasured(r)) continue;
    const id = groupId(r, by);
    const list = groups.get(id);
    if (list) list.push(r); else groups.set(id, [r]);
  }

  const rows: SummaryRow[] = [];
  for (const rs of groups.values()) {
    const ok = rs.filter((r) => r.status === 'ok');
    const errors = rs.filter((r) => r.status === 'error').length;
    const skipped = rs.filter((r) => r.status === 'skipped');
    const key = groupKeyOf(rs[0], by);
    key.modelId = rs.find((r) => r.modelId)?.modelId ?? null;

    const byCell = new Map<string, RequestRecord[]>();
    for (const r of rs) {
      const k = `${r.gridHash}:${r.cellId}`;
      const l = byCell.get(k);
      if (l) l.push(r); else byCell.set(k, [r]);
    }
    let deterministic: boolean | null = null;
    let peak: number | null = null;
    const groupCells: CellLike[] = [];
    for (const [k, crs] of byCell) {
      const c = cellOf.get(k);
      if (c) groupCells.push(c);
      const flag = c ? (c.temperature === 0 ? c.deterministic : null) : cellDeterminism(crs);
      if (flag !== null) deterministic = (deterministic ?? true) && flag;
      if (c && typeof c.peakRssBytes === 'number') peak = Math.max(peak ?? 0, c.peakRssBytes);
    }

    const s = (f: (r: RequestRecord) => number | null) => summarize(values(ok, f), opts.stats);
    rows.push({
      ...key,
      adapterNote: rs.find((r) => r.adapterNote)?.adapterNote ?? null,
      synthetic: synthetic(key.model),
      ok: ok.length, errors, skipped: skipped.length,
      skipReason: skipped.length > 0 && skipped.length === rs.length
        ? [...new Set(skipped.map((r) => r.reason ?? 'skipped'))].join('; ') : null,
      ttftMs: s((r) => r.ttftMs),
      e2eMs: s((r) => r.e2eMs),
      tpotMs: s((r) => r.tpotMs),
      decodeTokensPerSecond: s((r) => r.decodeTokensPerSecond),
      completionTokens: s((r) => r.completionTokens),
      promptTokens: s((r) => r.promptTokens),
      deterministic,
      peakRssBytes: peak,
      ...processFields(groupCells),
      rateSource: [...new Set(ok.map((r) => r.rateSource).filter((x): x is string => typeof x === 'string'))].sort().join('+') || null,
    });
  }
  return rows;
}
