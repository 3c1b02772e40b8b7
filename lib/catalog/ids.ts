/**
 * Variant ids as names: splitting off the ':version' suffix, and turning an id into a
 * folder name that is safe to join under the cache. The id scheme itself is described in
 * catalog.ts. The rules match cache/safe-name.ts (safeModelFolder), so a catalog that
 * validates here never names a folder the cache refuses.
 */
import * as path from 'node:path';
import { InvalidRequestError } from '../errors';

const MAX_FOLDER_LENGTH = 200;
/** Windows device names: a folder called `con` or `nul` cannot be created there. */
const WINDOWS_DEVICES = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Why `id` cannot be a variant id, or null when it can. A variant id is lowercase
 * [a-z0-9._-] plus at most one ':' followed by a version number, and cannot leave the
 * folder it is joined to.
 */
export function unsafeIdReason(id: unknown): string | null {
  if (typeof id !== 'string' || id.length === 0) return 'it is empty';
  if (CONTROL.test(id)) return 'it holds a control character';
  if (id.includes('/') || id.includes('\\')) return 'it holds a path separator';
  if (path.isAbsolute(id) || path.win32.isAbsolute(id)) return 'it is an absolute path';
  if (id.includes('..')) return "it holds '..'";
  if (id !== id.toLowerCase()) return 'it holds upper-case letters (ids are lowercase)';
  const colons = id.split(':').length - 1;
  if (colons > 1) return "it holds more than one ':'";
  if (colons === 1 && !/:[0-9]+$/.test(id)) return "':' must be followed by a version number only";
  const folder = id.replace(':', '-v');
  if (!/^[a-z0-9._-]+$/.test(folder)) return "only a-z, 0-9, '.', '_', '-' and one ':' are allowed";
  if (folder.startsWith('.') || folder.startsWith('-')) return "it starts with '.' or '-'";
  if (folder.length > MAX_FOLDER_LENGTH) return `it is longer than ${MAX_FOLDER_LENGTH} characters`;
  if (WINDOWS_DEVICES.test(folder)) return 'it is a reserved device name on Windows';
  return null;
}

/**
 * The cache folder name of a variant id: ':' becomes '-v'
 * ('qwen2.5-0.5b-instruct-generic-cpu:1' -> 'qwen2.5-0.5b-instruct-generic-cpu-v1').
 * Throws InvalidRequestError (param 'model') for anything unsafe: '/', '\\', '..',
 * absolute paths, control characters, upper case, characters outside [a-z0-9._-].
 */
export function variantFolderName(id: string): string {
  const why = unsafeIdReason(id);
  if (why !== null) {
    const shown = typeof id === 'string' ? JSON.stringify(id).slice(1, -1) : String(id);
    throw new InvalidRequestError(`variant id '${shown}' cannot name a folder: ${why}. ` +
      `Use an id from \`slmlab model list\`, such as 'qwen2.5-0.5b-instruct-generic-cpu:1'`, 'model');
  }
  return id.replace(':', '-v');
}

/** 'name:3' -> { base: 'name', version: 3 }; 'name' -> { base: 'name', version: null }. */
export function splitVariantId(id: string): { base: string; version: number | null } {
  const m = /^(.*):([0-9]+)$/.exec(id);
  return m ? { base: m[1], version: Number(m[2]) } : { base: id, version: null };
}
