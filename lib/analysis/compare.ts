/**
 * Comparison rows (types.ts ComparisonRow): GPU vs CPU, int4 vs fp32, small vs large model.
 *
 * The requests are split by the compared axis (provider, precision, or model); the other
 * settings (endpoint, model, provider, precision, threads, maxTokens, temperature; modelId
 * and role left out) form the context, one row per (context, candidate). Within a context the
 * two sides are paired by (promptSetId, promptId, round, slot):
 * - both sides hold the same measured rounds AND took turns (their records' schedule is
 *   'alternate', or 'model' when providers or precisions of one model are compared; for
 *   records without a schedule, the median gap between a pair's two requests is at most 3x
 *   their median latency): pairedRatio over the per-round ratios (a failed round drops its
 *   pair), method 'paired', n = usable pairs;
 * - the same rounds run one side after the other (the default 'load-group' schedule):
 *   ratio() of medians with an independent bootstrap, method 'sequential' — background load
 *   that changed between the two blocks is in the ratio;
 * - otherwise: ratio() of medians with an independent bootstrap, method 'bootstrap',
 *   n = the smaller side's ok count.
 * pairGapMs: the median time between a pair's two requests (when the rounds pair up), so a
 * reader sees how far apart the compared figures were measured.
 * speedup > 1 means the candidate is faster: candidate/baseline for decode tokens/s,
 * baseline/candidate for latencies (ttftMs, e2eMs).
 * A context where either side has no ok request gives no row, and a note saying why.
 */
import { isMeasured, type RequestRecord } from '../bench/store';
import { pairedRatio, ratio, type BootstrapOptions } from '../bench/stats';
import type { ComparisonRow } from './types';

export type CompareKind = ComparisonRow['kind'];
export type CompareMetric = ComparisonRow['metric'];

export interface CompareOptions {
  kind: CompareKind;
  /**
   * The baseline value of the axis: 'cpu' (provider), 'fp32' (precision), a model name, or
   * 'llm' for kind 'model' when the records carry roles (the default there). Defaults: cpu, fp32.
   */
  baseline?: string;
  /** Only this candidate value (default: every other value of the axis). */
  candidate?: string;
  /** Default 'decodeTokensPerSecond'. */
  metric?: CompareMetric;
  /** Bootstrap seed and resamples for the interval. */
  bootstrap?: BootstrapOptions;
}

/** The rows, plus `notes`: why contexts were left out. */
export type ComparisonResult = ComparisonRow[] & { notes: string[] };

const LATENCY: ReadonlySet<CompareMetric> = new Set(['ttftMs', 'e2eMs']);

function axisOf(r: RequestRecord, kind: CompareKind, byRole: boolean): string {
  if (kind === 'provider') return r.provider;
  if (kind === 'precision') return r.precision;
  if (kind === 'engine') return r.engine ?? 'onnxruntime';
  return byRole ? (r.role ?? '') : r.model;
}

function contextOf(r: RequestRecord, kind: CompareKind): { id: string; text: string } {
  const parts: [string, string | number][] = [];
  if (kind !== 'model') parts.push(['model', r.model]);
  if (kind !== 'provider') parts.push(['provider', r.provider]);
  if (kind !== 'precision') parts.push(['precision', r.precision]);
  if (kind !== 'engine' && r.engine && r.engine !== 'onnxruntime') parts.push(['engine', r.engine]);
  parts.push(['threads', r.threads], ['maxTokens', r.maxTokens], ['temperature', r.temperature], ['endpoint', r.endpoint]);
  const text = parts.map(([k, v]) => `${k}=${v}`).join(' ');
  return { id: text, text };
}

const pairKey = (r: RequestRecord) => `${r.promptSetId}#${r.promptId}:${r.round}:${r.slot}`;

const sentAt = (r: RequestRecord): number => r.sentAtMs ?? Date.parse(r.startedAt);

function medianOf(xs: number[]): number | null {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Whether paired requests took turns (see the header), from their recorded schedule or, lacking it, their timing. */
function tookTurns(pairs: [RequestRecord, RequestRecord][], kind: CompareKind, gapMs: number | null): boolean {
  const modes = new Set(pairs.flatMap(([a, b]) => [a.interleave ?? null, b.interleave ?? null]));
  if (modes.size === 1 && modes.has('alternate')) return true;
  if (modes.size === 1 && modes.has('model') && kind !== 'model') return true;
  if (modes.has(null) && modes.size === 1 && gapMs !== null) {
    const e2e = medianOf(pairs.flatMap(([a, b]) => [a.e2eMs ?? NaN, b.e2eMs ?? NaN]));
    return e2e !== null && gapMs <= 3 * e2e;
  }
  return false;
}

export function compare(requests: readonly RequestRecord[], opts: CompareOptions): ComparisonResult {
  const kind = opts.kind;
  const metric = opts.metric ?? 'decodeTokensPerSecond';
  const measured = requests.filter(isMeasured);
  const byRole = kind === 'model' && measured.some((r) => r.role === 'slm' || r.role === 'llm');
  const baseline = opts.baseline ?? (kind === 'provider' ? 'cpu' : kind === 'precision' ? 'fp32' : kind === 'engine' ? 'onnxruntime' : byRole ? 'llm' : undefined);
  const notes: string[] = [];
  const rows = [] as unknown as ComparisonResult;
  rows.notes = notes;
  if (baseline === undefined) {
    notes.push("kind 'model' without roles in the records: pass baseline (the larger model's name)");
    return rows;
  }

  // context -> axis value -> requests; model names per role for labels
  const contexts = new Map<string, { text: string; sides: Map<string, RequestRecord[]> }>();
  const namesOf = new Map<string, Set<string>>();
  for (const r of measured) {
    const a = axisOf(r, kind, byRole);
    if (byRole && a === '') continue;
    const c = contextOf(r, kind);
    let ctx = contexts.get(c.id);
    if (!ctx) { ctx = { text: c.text, sides: new Map() }; contexts.set(c.id, ctx); }
    const l = ctx.sides.get(a);
    if (l) l.push(r); else ctx.sides.set(a, [r]);
    if (byRole) { const s = namesOf.get(`${c.id}|${a}`) ?? new Set(); s.add(r.model); namesOf.set(`${c.id}|${a}`, s); }
  }

  const value = (r: RequestRecord): number => {
    const v = r.status === 'ok' ? r[metric] : null;
    return typeof v === 'number' ? v : NaN;
  };
  const latency = LATENCY.has(metric);

  for (const [id, ctx] of contexts) {
    const base = ctx.sides.get(baseline);
    const candidates = [...ctx.sides.keys()].filter((v) => v !== baseline && (opts.candidate === undefined || v === opts.candidate));
    if (candidates.length === 0) continue; // nothing to compare in this context
    const name = (v: string) => (byRole ? `${[...(namesOf.get(`${id}|${v}`) ?? [])].join('+')} (${v})` : v);
    for (const cand of candidates) {
      const cs = ctx.sides.get(cand)!;
      // A software WebGPU adapter's speed is no GPU's: the comparison says so.
      const soft = cs.find((r) => r.adapterNote)?.adapterNote;
      const label = (byRole ? `${name(cand)} vs ${base ? name(baseline) : baseline}` : `${cand} vs ${baseline}`) + (soft ? ` (${cand}: ${soft})` : '');
      if (!base) { notes.push(`${label} [${ctx.text}]: no ${baseline} requests in this context`); continue; }
      const okB = base.filter((r) => Number.isFinite(value(r)));
      const okC = cs.filter((r) => Number.isFinite(value(r)));
      if (okB.length === 0 || okC.length === 0) {
        const side = okB.length === 0 ? { v: baseline, rs: base } : { v: cand, rs: cs };
        const why = [...new Set(side.rs.filter((r) => r.status !== 'ok').map((r) => `${r.status}: ${r.reason ?? 'no reason given'}`))];
        notes.push(`${label} [${ctx.text}]: no ok ${metric} for ${side.v}${why.length ? ` (${why.join('; ')})` : ''}`);
        continue;
      }
      const bKeys = new Map(base.map((r) => [pairKey(r), r]));
      const cKeys = new Map(cs.map((r) => [pairKey(r), r]));
      const sameRounds = bKeys.size === cKeys.size && [...bKeys.keys()].every((k) => cKeys.has(k));
      let est;
      let n: number;
      let method: string;
      const pairs = sameRounds ? [...bKeys.keys()].map((k) => [bKeys.get(k)!, cKeys.get(k)!] as [RequestRecord, RequestRecord]) : [];
      const pairGapMs = sameRounds ? medianOf(pairs.map(([a, b]) => Math.abs(sentAt(a) - sentAt(b)))) : null;
      if (sameRounds && tookTurns(pairs, kind, pairGapMs)) {
        const keys = [...bKeys.keys()].sort();
        const b = keys.map((k) => value(bKeys.get(k)!));
        const c = keys.map((k) => value(cKeys.get(k)!));
        est = latency ? pairedRatio(b, c, opts.bootstrap) : pairedRatio(c, b, opts.bootstrap);
        n = keys.filter((_, i) => Number.isFinite(b[i]) && Number.isFinite(c[i])).length;
        method = 'paired';
      } else {
        const b = okB.map(value);
        const c = okC.map(value);
        est = latency ? ratio(b, c, opts.bootstrap) : ratio(c, b, opts.bootstrap);
        n = Math.min(b.length, c.length);
        method = sameRounds ? 'sequential' : 'bootstrap';
      }
      if (est.ratio === null) {
        notes.push(`${label} [${ctx.text}]: ratio undefined (no usable pair or a zero ${metric})`);
        continue;
      }
      rows.push({ kind, label, context: ctx.text, metric, speedup: est.ratio, low: est.low, high: est.high, method, n, pairGapMs });
    }
  }
  return rows;
}
