/**
 * Hashes that tie results to the work that produced them.
 *
 * gridHash: sha256 of the canonical JSON of the resolved grid (defaults applied, canonical
 * spellings, keys sorted at every level, list order kept since it is the run order),
 * without `name` and `description`, which change no request. Given the prompt library,
 * prompt sets named by id are bound to their content first, so editing a prompt file
 * changes the hash; expandGrid() does this, so every cell and record carries that hash.
 * For a grid whose prompt sets are all inline the two are the same; for one that names
 * sets, compare cells' hashes with gridHash(spec, library), not gridHash(spec).
 *
 * cellId: the first 16 hex digits of sha256 over what one request depends on (see
 * expand.ts); rounds and warmup count requests rather than shape them and stay out, so a
 * cell keeps its id when only the number of rounds changes.
 */
import { createHash } from 'node:crypto';
import { resolvePromptRef, type PromptSet } from './prompts';
import { GRID_DEFAULTS, resolveGrid, type GridSpec, type ResolvedGrid } from './spec';
import { LOGITS_AXIS, NUMERIC_AXES } from './axes';
import { validateGrid } from './validate';

/** JSON with object keys sorted at every level and undefined fields dropped; lists keep their order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The resolved grid as it is hashed: labels dropped; with a library, named prompt sets replaced by their content. */
export function hashedForm(grid: ResolvedGrid, library?: readonly PromptSet[]): Record<string, unknown> {
  const { name: _name, description: _description, ...all } = grid;
  // Fields added with load profiles are hashed only when they change something, so grids
  // written before them keep their hash (and their results files resume).
  const rest: Record<string, unknown> = { ...all };
  for (const a of NUMERIC_AXES) {
    const v = rest[a.key] as (number | null)[];
    if (a.quietDefault && v.length === a.defaults.length && v.every((x, i) => x === a.defaults[i])) delete rest[a.key];
  }
  if (grid.logits.length === LOGITS_AXIS.defaults.length && grid.logits.every((x, i) => x === LOGITS_AXIS.defaults[i])) delete rest.logits;
  for (const k of ['mode', 'cooldown', 'arrivals', 'burstiness', 'maxConcurrency'] as const) {
    if (rest[k] === GRID_DEFAULTS[k]) delete rest[k];
  }
  if (grid.engines.length === 1 && grid.engines[0] === 'onnxruntime') delete rest.engines; // issue 23: quiet default
  if (grid.inputTokens.some((t) => t !== null)) delete rest.prompts;
  if (!library || rest.prompts === undefined) return rest;
  return { ...rest, prompts: (rest.prompts as ResolvedGrid['prompts']).map((ref, i) => (typeof ref === 'string' ? { ref, set: stripSchema(resolvePromptRef(ref, library, `prompts[${i}]`)) } : ref)) };
}

function stripSchema(set: PromptSet): PromptSet {
  const { $schema: _s, ...rest } = set;
  return rest;
}

/**
 * The grid's hash (64 hex digits). Stable across key order and across writing a default
 * out or leaving it implicit; any change to what is requested changes it. Pass the prompt
 * library to bind prompt sets named by id to their content (as cells' gridHash does).
 */
export function gridHash(spec: GridSpec, library?: readonly PromptSet[]): string {
  return sha256Hex(canonicalJson(hashedForm(resolveGrid(validateGrid(spec)), library)));
}

/** 16 hex digits of sha256 over `settings`' canonical JSON. */
export function shortHash(settings: unknown): string {
  return sha256Hex(canonicalJson(settings)).slice(0, 16);
}
