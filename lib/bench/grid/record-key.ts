/**
 * Keys that make "finished" and "never twice" checkable.
 *
 * A record key names one request of one grid: gridHash : cellId : kind : round : slot.
 * Within one grid a key is written at most once; a re-run skips every key already in the
 * store. `slot` tells apart the requests sent together in one round of a cell with
 * concurrency > 1 (always 0 at concurrency 1). Warmup and measured rounds are numbered
 * separately, each from 1; so are a load level's cooldown requests (sent after its
 * measured ones to keep the load up while they finish, and left out of statistics).
 */
export type RequestKind = 'warmup' | 'measure' | 'cooldown';

export interface KeyParts {
  gridHash: string;
  cellId: string;
  kind: RequestKind;
  round: number;
  slot: number;
}

export function recordKey(k: KeyParts): string {
  return `${k.gridHash}:${k.cellId}:${k.kind}:${k.round}:${k.slot}`;
}

/** One cell of one grid. */
export function cellKey(k: { gridHash: string; cellId: string }): string {
  return `${k.gridHash}:${k.cellId}`;
}
