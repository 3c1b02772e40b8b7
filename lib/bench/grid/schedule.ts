/**
 * The request plan: the order in which the runner sends every request of a grid.
 *
 * Cells are taken in groups; a group's warmup requests come first, then its measured
 * rounds interleaved across the group's cells (round 1 of A, B, C, then round 2 of A, B,
 * C, ...), so slow machine drift (thermal throttling, turbo budgets, background load, a
 * page cache warming) lands on every cell alike and cancels in their ratios, instead of
 * favouring whichever cell ran first. The interleave mode says what a group is:
 *
 * - 'load-group' (default): one loaded model (endpoint, threads, model, provider,
 *   precision). One copy of the model in memory at a time and no switching cost; the
 *   cells compared are the prompts and settings of that load. Ratios between load groups
 *   (GPU vs CPU, int4 vs fp32) compare groups run at different times, so drift between
 *   them does not cancel: keep runs short, or use 'model'.
 * - 'model': every load of one model on one endpoint and thread setting (all its
 *   providers and precisions). Rounds then alternate CPU and GPU (A B A B ...), so
 *   speedups are drift-free. This works because the service keys loaded models by
 *   (variant, provider) and holds one model on two providers at once. The price: every
 *   variant stays resident together (host RAM plus GPU memory), alternating requests
 *   evict each other's weights from CPU caches, and an endpoint that holds one model at a
 *   time (Ollama with OLLAMA_MAX_LOADED_MODELS=1, a single-model llama.cpp server) would
 *   reload on every request: use it only with the embedded service or Foundry Local.
 * - 'alternate': every cell of one endpoint and thread setting, whatever its model, provider
 *   or precision: all of them stay loaded and their rounds alternate request by request, the
 *   order rotated each round (round 1: A B, round 2: B A, ...), so that background load and
 *   drift hit every side alike and a ratio can be paired round by round. The default for a
 *   grid that compares models (planGrid), when their weights fit in memory together; the
 *   price is 'model''s, for every model at once.
 * - 'none': cell after cell, each with its warmups then all its rounds, as llama-bench
 *   does. For comparing against tools that run that way.
 *
 * Requests sharing (cellId, kind, round) differ only in `slot`: they are one round of a
 * cell with concurrency > 1, and the runner sends them together.
 *
 * Load mode (GridSpec.mode 'load') is different: each cell is one load level and runs as a
 * block, whatever the interleave mode: its warmup, measured and cooldown requests back to
 * back (kind, then round, then slot), which the runner hands to the load generator
 * (lib/bench/load) as one unit. Interleaving would mix load levels and break them.
 */
import { canonicalJson } from './hash';
import { loadGroupKey, type Cell } from './expand';
import { recordKey, type RequestKind } from './record-key';

export type InterleaveMode = 'load-group' | 'model' | 'alternate' | 'none';
export const INTERLEAVE_MODES: readonly InterleaveMode[] = ['load-group', 'model', 'alternate', 'none'];

export interface PlannedRequest {
  /** Position in the full plan, from 0 (kept by resumePlan, so progress reads "request 17 of 40"). */
  seq: number;
  /** recordKey(): gridHash:cellId:kind:round:slot. */
  key: string;
  gridHash: string;
  cellId: string;
  kind: RequestKind;
  /** 1-based, counted separately for warmup and measured rounds. */
  round: number;
  /** 0..concurrency-1: which of a round's simultaneous requests. */
  slot: number;
  /** Index of the cell's group in run order (see the interleave modes). */
  group: number;
  /** loadGroupKey(cell): requests with the same one run on the same loaded model. */
  loadKey: string;
  /** The schedule this request is part of (recorded with it: whether its rounds alternate with other models'). */
  interleave: InterleaveMode;
  cell: Cell;
}

export interface ScheduleOptions {
  /** What the rounds are interleaved across (default 'load-group'). */
  interleave?: InterleaveMode;
}

function groupKey(cell: Cell, mode: InterleaveMode): string {
  // One embedded service per (threads, logits) (LOAD_FIELDS): models that share one take turns.
  if (mode === 'alternate') return canonicalJson([cell.endpoint, cell.threads, cell.logits]);
  return mode === 'model' ? canonicalJson([cell.endpoint, cell.threads, cell.logits, cell.model]) : loadGroupKey(cell);
}

/** Cells grouped by key, groups in order of first appearance, cells in their given order. */
function groupsOf(cells: readonly Cell[], mode: InterleaveMode): Cell[][] {
  const groups = new Map<string, Cell[]>();
  for (const cell of cells) {
    const key = groupKey(cell, mode);
    const list = groups.get(key);
    if (list) list.push(cell); else groups.set(key, [cell]);
  }
  return [...groups.values()];
}

/**
 * 'alternate': the cells of each load (model, provider, precision) take turns, one cell of
 * each load after the other (A1 B1 A2 B2 ...), and the loads' order rotates by `shift`
 * (round 2: B1 A1 B2 A2 ...), so no load always goes first.
 */
function takingTurns(members: readonly Cell[], shift: number): Cell[] {
  const loads = new Map<string, Cell[]>();
  for (const c of members) { const k = loadGroupKey(c); const l = loads.get(k); if (l) l.push(c); else loads.set(k, [c]); }
  const lists = [...loads.values()];
  const s = shift % lists.length;
  const rotated = [...lists.slice(s), ...lists.slice(0, s)];
  const out: Cell[] = [];
  for (let i = 0; i < Math.max(...rotated.map((l) => l.length)); i++) for (const l of rotated) if (i < l.length) out.push(l[i]);
  return out;
}

/** The requests for `cells`, in the order they are to be sent. */
export function schedule(cells: readonly Cell[], opts: ScheduleOptions = {}): PlannedRequest[] {
  const mode = opts.interleave ?? 'load-group';
  if (!INTERLEAVE_MODES.includes(mode)) throw new TypeError(`unknown interleave mode ${JSON.stringify(mode)}; use one of: ${INTERLEAVE_MODES.join(', ')}`);
  const plan: PlannedRequest[] = [];
  const push = (cell: Cell, kind: RequestKind, round: number, group: number): void => {
    for (let slot = 0; slot < cell.concurrency; slot++) {
      const parts = { gridHash: cell.gridHash, cellId: cell.cellId, kind, round, slot };
      plan.push({ seq: plan.length, key: recordKey(parts), ...parts, group, loadKey: loadGroupKey(cell), interleave: mode, cell });
    }
  };
  groupsOf(cells, mode).forEach((members, group) => {
    if (mode === 'none' || members.every((c) => c.mode === 'load')) {
      for (const cell of members) {
        for (let w = 1; w <= cell.warmup; w++) push(cell, 'warmup', w, group);
        for (let r = 1; r <= cell.rounds; r++) push(cell, 'measure', r, group);
        for (let r = 1; r <= cell.cooldown; r++) push(cell, 'cooldown', r, group);
      }
      return;
    }
    const warmups = Math.max(0, ...members.map((c) => c.warmup));
    for (let w = 1; w <= warmups; w++) for (const cell of members) if (w <= cell.warmup) push(cell, 'warmup', w, group);
    const rounds = Math.max(0, ...members.map((c) => c.rounds));
    for (let r = 1; r <= rounds; r++) {
      const order = mode === 'alternate' ? takingTurns(members, r - 1) : members;
      for (const cell of order) if (r <= cell.rounds) push(cell, 'measure', r, group);
    }
  });
  return plan;
}
