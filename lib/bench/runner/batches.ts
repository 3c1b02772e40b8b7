/**
 * What the runner sends at once. Rounds mode: one round of one cell (its slots together).
 * Load mode: one whole load level (every request of the cell that is left), which the load
 * generator drives (lib/bench/load). Consecutive requests only: the plan's order is kept.
 */
import type { Cell } from '../grid/expand';
import type { PlannedRequest } from '../grid/schedule';

export interface Batch {
  cell: Cell;
  requests: PlannedRequest[];
  /** A load level (load mode) rather than a round. */
  level: boolean;
}

export function batchesOf(todo: readonly PlannedRequest[]): Batch[] {
  const out: Batch[] = [];
  for (const r of todo) {
    const last = out[out.length - 1];
    const level = r.cell.mode === 'load';
    const same = last && last.cell.cellId === r.cellId && last.cell.gridHash === r.gridHash
      && (level || (last.requests[0].kind === r.kind && last.requests[0].round === r.round));
    if (same) last.requests.push(r);
    else out.push({ cell: r.cell, requests: [r], level });
  }
  return out;
}
