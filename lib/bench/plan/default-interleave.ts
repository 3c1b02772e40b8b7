/**
 * Which schedule a grid runs when none is asked for. A grid that puts several loads (models,
 * providers or precisions) on one endpoint compares them: their requests then alternate
 * ('alternate', grid/schedule.ts) so that the machine's load hits every side alike — when
 * their weights fit in memory together. When they do not (or the endpoint is a URL, whose
 * memory we cannot see and which may hold one model at a time), the loads run one after the
 * other ('load-group'), and the schedule says so: compare() then calls a ratio 'sequential',
 * never 'paired'.
 */
import * as os from 'node:os';
import { EMBEDDED } from '../grid/spec';
import { canonicalJson } from '../grid/hash';
import { loadGroupKey, type Cell } from '../grid/expand';
import type { InterleaveMode } from '../grid/schedule';
import { findModel, findVariant, type CatalogFile } from '../../catalog';

export interface InterleaveChoice { interleave: InterleaveMode; reason: string }

/** The largest catalog size of the variants a cell may load (null: unknown, e.g. a folder). */
function bytesOf(catalog: CatalogFile | undefined, c: Cell): number | null {
  if (!catalog) return null;
  try {
    const v = findVariant(catalog, c.model);
    if (v) return v.variant.sizeBytes;
    const m = findModel(catalog, c.model);
    const sizes = m.variants.filter((x) => x.precision === c.precision).map((x) => x.sizeBytes ?? 0);
    return sizes.length ? Math.max(...sizes) : null;
  } catch { return null; }
}

export function defaultInterleave(cells: readonly Cell[], o: { catalog?: CatalogFile; availableBytes?: number } = {}): InterleaveChoice {
  const rounds = cells.filter((c) => c.mode !== 'load');
  const loadsPerTarget = new Map<string, Map<string, Cell>>();
  for (const c of rounds) {
    const t = canonicalJson([c.endpoint, c.threads]);
    const m = loadsPerTarget.get(t) ?? new Map<string, Cell>();
    m.set(loadGroupKey(c), c);
    loadsPerTarget.set(t, m);
  }
  const compared = [...loadsPerTarget.values()].filter((m) => m.size > 1);
  if (compared.length === 0) return { interleave: 'load-group', reason: 'one load per endpoint: nothing to alternate with' };
  if (compared.some((m) => [...m.values()].some((c) => c.endpoint !== EMBEDDED))) {
    return { interleave: 'load-group', reason: 'a URL endpoint may hold one model at a time: loads run one after the other (sequential)' };
  }
  const available = o.availableBytes ?? os.freemem();
  for (const m of compared) {
    // Loaded weights take about their file size, plus working memory: 1.5x as a margin.
    const need = [...m.values()].reduce((a, c) => a + 1.5 * (bytesOf(o.catalog, c) ?? 0), 0);
    if (need > available) {
      return { interleave: 'load-group', reason: `the compared models need about ${(need / 2 ** 30).toFixed(1)} GiB together, ${(available / 2 ** 30).toFixed(1)} GiB is free: loads run one after the other (sequential)` };
    }
  }
  return { interleave: 'alternate', reason: 'the compared loads stay loaded together and take turns request by request, the order rotated each round' };
}
