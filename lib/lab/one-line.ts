/**
 * An error as the one line a student reads: `ModelNotFoundError [model_not_found]: model
 * 'qwen-typo' is not in the catalog (did you mean 'qwen2.5-0.5b-twin'?): run ...`. slmlab's
 * errors already name the fix, so the stack adds nothing for them; other errors (bugs) keep
 * their first stack frame so they can still be found. Line breaks in a message become spaces.
 */
import { SlmlabError } from '../errors';

const flat = (s: string) => s.replace(/\s*\n\s*/g, ' ');

export function oneLine(e: unknown): string {
  if (e instanceof SlmlabError) return `${e.name} [${e.code}]: ${flat(e.message)}`;
  if (e instanceof Error) {
    const at = (e.stack ?? '').split('\n').find((l) => /^\s+at /.test(l))?.trim();
    return `${e.name}: ${flat(e.message)}${at ? ` (${at})` : ''}`;
  }
  return String(e);
}
