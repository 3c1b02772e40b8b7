/**
 * Model ids and names come from users (CLI arguments, HTTP requests, catalog files); they
 * become folder names under the cache. Two guards keep them inside it:
 *   1. safeModelFolder: an id maps to one flat folder name made only of [a-z0-9._-];
 *   2. resolveInside: every path built from a name is resolved and checked to lie under
 *      its root before anything is read, written or removed (defence in depth).
 */
import * as path from 'node:path';
import { InvalidRequestError } from '../errors';

const MAX_LENGTH = 200;
/** Windows device names: a folder called `con` or `nul` cannot be created there. */
const WINDOWS_DEVICES = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/;

function refuse(id: string, why: string): never {
  const shown = JSON.stringify(id).slice(1, -1);
  throw new InvalidRequestError(`model id '${shown}' cannot name a cache folder: ${why}. Use a catalog id such as 'qwen2.5-0.5b-instruct-cpu-int4:1' (see \`slmlab model list\`)`, 'model');
}

/**
 * The cache folder for a variant id: lowercase, ':' (Foundry's version separator) becomes
 * '-v' ('phi-4-mini-cpu-int4:2' -> 'phi-4-mini-cpu-int4-v2'). Refuses anything that could
 * leave the folder it is joined to: '..', '/', '\\', absolute paths, NUL and control
 * characters, percent-escapes, empty names, and any character outside [a-z0-9._-].
 */
export function safeModelFolder(id: string): string {
  if (typeof id !== 'string' || id.length === 0) refuse(String(id ?? ''), 'it is empty');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(id)) refuse(id, 'it holds a control character');
  if (id.includes('/') || id.includes('\\')) refuse(id, 'it holds a path separator');
  if (path.isAbsolute(id) || path.win32.isAbsolute(id)) refuse(id, 'it is an absolute path');
  if (id.includes('..')) refuse(id, "it holds '..'");
  const folder = id.toLowerCase().replace(/:/g, '-v');
  if (!/^[a-z0-9._-]+$/.test(folder)) refuse(id, 'only letters, digits, \'.\', \'_\', \'-\' and one \':\' are allowed');
  if (folder.startsWith('.') || folder.startsWith('-')) refuse(id, "it starts with '.' or '-'");
  if (folder.length > MAX_LENGTH) refuse(id, `it is longer than ${MAX_LENGTH} characters`);
  if (WINDOWS_DEVICES.test(folder)) refuse(id, 'it is a reserved device name on Windows');
  return folder;
}

/** True when `id` maps to a valid cache folder (no throw). */
export function isSafeModelId(id: string): boolean {
  try { safeModelFolder(id); return true; } catch { return false; }
}

/**
 * `root/rel`, resolved, or an InvalidRequestError when the result is not strictly inside
 * `root` (catches '..' segments, absolute `rel`, and symlink-free tricks like 'a/../../b').
 */
export function resolveInside(root: string, rel: string): string {
  const base = path.resolve(root);
  const full = path.resolve(base, rel);
  if (full === base || !full.startsWith(base + path.sep)) {
    throw new InvalidRequestError(`'${rel}' points outside '${base}': use a name inside the cache`, 'model');
  }
  return full;
}

/** A relative file path from a remote listing, checked: posix, no '..', not absolute, no NUL. */
export function safeRelativePath(rel: string): string {
  // eslint-disable-next-line no-control-regex
  if (!rel || /[\u0000-\u001f]/.test(rel) || rel.includes('\\') || path.posix.isAbsolute(rel) || rel.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    throw new InvalidRequestError(`file path '${JSON.stringify(rel).slice(1, -1)}' from the model's source is not a plain relative path: the listing is corrupt or hostile; check the source`, 'path');
  }
  return rel;
}
