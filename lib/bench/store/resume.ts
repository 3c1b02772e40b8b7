/**
 * Resuming a grid from its results file: what is finished, and what is left to run.
 *
 * A cell is finished when, for one gridHash, every measured round (1..rounds) and slot
 * (0..concurrency-1) has a record, whatever its status: 'ok', 'error' (a failure is a
 * result, and retrying it would write its key twice) or 'skipped'. Warmups never finish
 * anything. resumePlan keeps the plan's order and drops every request whose key is stored,
 * so running what it returns and appending the records never duplicates a key.
 *
 * Warmups after a resume: the process that ran a cell's earlier warmups is gone, and the
 * model is loaded afresh, so a cell with measured work left gets all its warmups again.
 * Their round numbers continue after the highest warmup round stored for that cell (1 -> 2),
 * which keeps their keys new. Cells with nothing left get no warmup.
 */
import type { PlannedRequest } from '../grid/schedule';
import { cellKey, recordKey } from '../grid/record-key';
import { keyOfRecord, type RequestRecord } from './record';

/** cellKey (gridHash:cellId) of every finished cell in `records`. */
export function finishedCells(records: readonly RequestRecord[]): Set<string> {
  const measured = new Map<string, { need: number; keys: Set<string> }>();
  for (const r of records) {
    if (r.warmup || r.cooldown) continue;
    const ck = cellKey(r);
    let entry = measured.get(ck);
    if (!entry) { entry = { need: r.rounds * r.concurrency, keys: new Set() }; measured.set(ck, entry); }
    if (r.round >= 1 && r.round <= r.rounds && r.slot >= 0 && r.slot < r.concurrency) entry.keys.add(`${r.round}:${r.slot}`);
  }
  const done = new Set<string>();
  for (const [ck, e] of measured) if (e.need > 0 && e.keys.size >= e.need) done.add(ck);
  return done;
}

/** The requests of `plan` still to run given the stored `records`, in plan order (see above for warmups). */
export function resumePlan(plan: readonly PlannedRequest[], records: readonly RequestRecord[]): PlannedRequest[] {
  const stored = new Set(records.map(keyOfRecord));
  const withWork = new Set(plan.filter((r) => r.kind === 'measure' && !stored.has(r.key)).map(cellKey));
  // Warmup and cooldown requests are not results: a cell with measured work left gets them
  // all again, numbered after the highest stored round of their kind.
  const lastRound = new Map<string, number>();
  for (const r of records) {
    if (!r.warmup && !r.cooldown) continue;
    const k = `${cellKey(r)}:${r.warmup ? 'warmup' : 'cooldown'}`;
    lastRound.set(k, Math.max(lastRound.get(k) ?? 0, r.round));
  }
  const left: PlannedRequest[] = [];
  for (const r of plan) {
    if (r.kind === 'measure') { if (!stored.has(r.key)) left.push(r); continue; }
    const ck = cellKey(r);
    if (!withWork.has(ck)) continue;
    const offset = lastRound.get(`${ck}:${r.kind}`) ?? 0;
    if (offset === 0) { left.push(r); continue; }
    const round = offset + r.round;
    left.push({ ...r, round, key: recordKey({ gridHash: r.gridHash, cellId: r.cellId, kind: r.kind, round, slot: r.slot }) });
  }
  return left;
}
