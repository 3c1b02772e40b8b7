/**
 * The class pack's manifest, `slmlab-pack.json`, the first entry of a pack: which cache folders it
 * holds (synthetic/<id> for built twins, models/<folder> for downloads) and every file's size and
 * SHA-256. parseManifest() accepts only what installs inside the cache: plain folder names, plain
 * relative file paths, no duplicates.
 */
import { safeModelFolder, safeRelativePath } from '../safe-name';
import { PackError } from './errors';

export const MANIFEST_NAME = 'slmlab-pack.json';
export const PACK_FORMAT = 'slmlab-pack';
/** A manifest is small (a few hundred bytes per file): anything larger is not one of ours. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export type PackKind = 'synthetic' | 'downloaded';
export const KIND_ROOT: Record<PackKind, string> = { synthetic: 'synthetic', downloaded: 'models' };

export interface PackFile { path: string; size: number; sha256: string }
export interface PackModel {
  /** The cache id as `slmlab cache list` shows it. */
  id: string;
  kind: PackKind;
  /** The folder name under synthetic/ or models/. */
  folder: string;
  files: PackFile[];
}
export interface PackManifest {
  format: typeof PACK_FORMAT;
  version: 1;
  createdAt: string;
  slmlab: string | null;
  models: PackModel[];
}

/** The path of a model's file inside the pack and inside the cache: `<synthetic|models>/<folder>/<path>`. */
export function entryPath(m: Pick<PackModel, 'kind' | 'folder'>, file: string): string {
  return `${KIND_ROOT[m.kind]}/${m.folder}/${file}`;
}

export function totalBytes(m: PackManifest): number {
  return m.models.reduce((a, x) => a + x.files.reduce((b, f) => b + f.size, 0), 0);
}

const refuse = (why: string): never => { throw new PackError(`not a slmlab class pack (${why}): make one with \`slmlab cache pack <models...> --out class.tar\``); };

export function parseManifest(text: string): PackManifest {
  let v: unknown;
  try { v = JSON.parse(text); } catch { return refuse(`${MANIFEST_NAME} is not JSON`); }
  const o = v as Record<string, unknown>;
  if (!o || typeof o !== 'object' || o.format !== PACK_FORMAT) return refuse(`${MANIFEST_NAME} has no "format": "${PACK_FORMAT}"`);
  if (o.version !== 1) return refuse(`pack version ${JSON.stringify(o.version)}: this slmlab reads version 1; update slmlab`);
  if (!Array.isArray(o.models) || o.models.length === 0) return refuse('it lists no models');
  const seen = new Set<string>();
  const models = o.models.map((raw, i): PackModel => {
    const m = raw as Record<string, unknown>;
    const at = `models[${i}]`;
    if (!m || typeof m !== 'object') return refuse(`${at} is not an object`);
    if (m.kind !== 'synthetic' && m.kind !== 'downloaded') return refuse(`${at}.kind ${JSON.stringify(m.kind)}`);
    if (typeof m.id !== 'string' || typeof m.folder !== 'string') return refuse(`${at} has no id or folder`);
    let folder: string;
    try { folder = safeModelFolder(m.folder); } catch { return refuse(`${at}.folder ${JSON.stringify(m.folder)} is not a plain folder name`); }
    if (folder !== m.folder) return refuse(`${at}.folder ${JSON.stringify(m.folder)} is not a plain folder name`);
    if (!Array.isArray(m.files) || m.files.length === 0) return refuse(`${at} lists no files`);
    const files = m.files.map((rf, j): PackFile => {
      const f = rf as Record<string, unknown>;
      const fat = `${at}.files[${j}]`;
      if (!f || typeof f.path !== 'string') return refuse(`${fat} has no path`);
      try { safeRelativePath(f.path); } catch { return refuse(`${fat}.path ${JSON.stringify(f.path)} is not a plain relative path`); }
      if (!Number.isSafeInteger(f.size) || (f.size as number) < 0) return refuse(`${fat}.size`);
      if (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256)) return refuse(`${fat}.sha256`);
      return { path: f.path, size: f.size as number, sha256: f.sha256 };
    });
    const model: PackModel = { id: m.id, kind: m.kind, folder, files };
    const root = `${KIND_ROOT[model.kind]}/${folder}/`;
    if (seen.has(root)) return refuse(`${root} is listed twice`);
    seen.add(root);
    for (const f of files) {
      const p = entryPath(model, f.path);
      if (seen.has(p)) return refuse(`${p} is listed twice`);
      seen.add(p);
    }
    return model;
  });
  return { format: PACK_FORMAT, version: 1, createdAt: String(o.createdAt ?? ''), slmlab: typeof o.slmlab === 'string' ? o.slmlab : null, models };
}
