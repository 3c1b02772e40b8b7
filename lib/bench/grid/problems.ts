/**
 * Schema-style checks that collect problems as "json.path: what is wrong" instead of
 * stopping at the first. Shared by the grid and prompt-set validators.
 */
export type Obj = Record<string, unknown>;

export class Problems {
  readonly list: string[] = [];
  add(at: string, what: string): void { this.list.push(`${at}: ${what}`); }
}

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value as short JSON for messages. */
export const show = (v: unknown): string => {
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** `at.key`, or `key` at the root. */
export const join = (at: string, key: string | number): string =>
  typeof key === 'number' ? `${at}[${key}]` : at === '' ? key : `${at}.${key}`;

// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const TEXT_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Flags keys not in `allowed`; `hints` maps common misspellings (max_tokens) to the real key. */
export function unknownKeys(p: Problems, at: string, o: Obj, allowed: readonly string[], hints: Record<string, string> = {}): void {
  for (const k of Object.keys(o)) {
    if (allowed.includes(k)) continue;
    const hint = hints[k] ?? allowed.find((a) => a.toLowerCase() === k.toLowerCase().replace(/_/g, ''));
    p.add(join(at, k), hint ? `unknown field (did you mean "${hint}"?)` : `unknown field (allowed: ${allowed.join(', ')})`);
  }
}

/** A non-empty string; `text` allows newlines and tabs (prompt content), names allow no control characters. */
export function str(p: Problems, at: string, v: unknown, opts: { text?: boolean } = {}): v is string {
  if (typeof v !== 'string' || v.trim().length === 0) {
    p.add(at, `expected a non-empty string${v === undefined ? '' : `, got ${show(v)}`}`);
    return false;
  }
  if ((opts.text ? TEXT_CONTROL : CONTROL).test(v)) {
    p.add(at, `holds a control character: ${show(v)}`);
    return false;
  }
  return true;
}

/** A number in [min, max]; `integer` demands a safe integer. */
export function num(p: Problems, at: string, v: unknown, opts: { min: number; max?: number; integer?: boolean }): v is number {
  const ok = typeof v === 'number' && Number.isFinite(v) && (!opts.integer || Number.isSafeInteger(v)) &&
    v >= opts.min && (opts.max === undefined || v <= opts.max);
  if (!ok) {
    const range = opts.max === undefined ? `>= ${opts.min}` : `from ${opts.min} to ${opts.max}`;
    p.add(at, `expected ${opts.integer ? 'an integer' : 'a number'} ${range}${v === undefined ? '' : `, got ${show(v)}`}`);
  }
  return ok;
}
