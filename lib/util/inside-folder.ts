/**
 * One rule for every file slmlab reads from a model folder or serves from one (issue 21):
 * the file's real path (symbolic links resolved, fs.realpathSync) must lie inside the folder's
 * real path. A model folder with a link out (`model.onnx_data -> /home/me/.ssh/id_rsa`) is
 * refused with the reason, whoever reads it: quantise's weight reader (onnx/tensor-bytes.ts),
 * the load checks (onnx/external-data-check.ts, engine/model-folder.ts) and the service's
 * /web/models/<id>/files/<name> (web/routes.ts).
 *
 * Links that stay inside the folder, and hard links, are fine. The real path is what the
 * caller must open (openInside does, with O_NOFOLLOW), so a link swapped in after the check
 * is refused by the kernel rather than followed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelInvalidError } from '../errors';

/** A file of a model folder that resolves outside it. */
export class OutsideFolderError extends ModelInvalidError {
  constructor(readonly file: string, readonly target: string, readonly folder: string) {
    super(`'${file}' in the model folder '${folder}' leads outside it (to '${target}'): slmlab reads only files inside a model's folder. ` +
      'Copy the file into the folder instead of linking to it');
  }
}

export type InsideResult =
  | { ok: true; real: string }
  | { ok: false; missing: true; real: null }
  | { ok: false; missing: false; error: OutsideFolderError; real: null };

/** Where `rel` (relative to `base`, default `folder`) really is, and whether that is inside `folder`. */
export function checkInside(folder: string, rel: string, base: string = folder): InsideResult {
  let root: string;
  try { root = fs.realpathSync(folder); } catch { root = path.resolve(folder); }
  const shown = path.relative(folder, path.resolve(base, rel)) || rel;
  const lexical = path.resolve(base, rel);
  let real: string;
  try {
    real = fs.realpathSync(lexical);
  } catch {
    // Missing (or a dangling link): still refuse a path that climbs out lexically.
    let dangling: string | null = null;
    try { dangling = path.resolve(path.dirname(lexical), fs.readlinkSync(lexical)); } catch { /* not a link */ }
    const where = dangling ?? lexical;
    const rootLexical = path.resolve(folder);
    if (!isWithin(rootLexical, where) && !isWithin(root, where)) return { ok: false, missing: false, error: new OutsideFolderError(shown, where, folder), real: null };
    return { ok: false, missing: true, real: null };
  }
  if (!isWithin(root, real)) return { ok: false, missing: false, error: new OutsideFolderError(shown, real, folder), real: null };
  return { ok: true, real };
}

function isWithin(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/** The real path of `rel` inside `folder`; throws OutsideFolderError for a link out, ENOENT-style ModelInvalidError when missing. */
export function resolveInside(folder: string, rel: string, base: string = folder): string {
  const r = checkInside(folder, rel, base);
  if (r.ok) return r.real;
  if (r.missing) throw new ModelInvalidError(`'${rel}' is missing from the model folder '${folder}': copy the whole model folder again`);
  throw r.error;
}

/** Opens `rel` read-only at its checked real path, refusing a link swapped in since (O_NOFOLLOW). */
export function openInside(folder: string, rel: string, base: string = folder): number {
  const real = resolveInside(folder, rel, base);
  return fs.openSync(real, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
}
