/**
 * `slmlab cache pack <models...> --out class.tar`: the teacher's side of the class pack. The named
 * models' complete cache folders (built twins under synthetic/, downloads under models/, each with
 * its record: .slmlab-build.json or .slmlab-complete.json) go into one tar file with node-tar,
 * after a manifest (slmlab-pack.json) that lists every file with its size and SHA-256.
 * A name is what `slmlab cache list` shows, or a catalog alias (`qwen2.5-0.5b-twin`, `phi-4-mini`):
 * every cached variant of it is packed. The tar is written to a temporary name, then renamed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar';
import { findModel, loadCatalog } from '../../catalog/catalog';
import { cacheDir as defaultCacheDir } from '../location';
import { cachedFolderFor, entryMatches, listCache, type CacheEntry } from '../list';
import { walkFiles } from '../files';
import { readJsonVersion } from './version';
import { sha256File } from './hash';
import { PackError } from './errors';
import { MANIFEST_NAME, PACK_FORMAT, entryPath, totalBytes, type PackKind, type PackManifest, type PackModel } from './manifest';

export interface PackOptions {
  /** The cache to pack from (default: SLMLAB_CACHE_DIR or the user cache). */
  cacheDir?: string;
  /** The tar file to write. */
  out: string;
  /** Replace `out` when it exists (default: refuse). */
  force?: boolean;
  /** Called before each file is hashed. */
  onFile?: (file: string, size: number) => void;
}

export interface PackResult { file: string; bytes: number; modelBytes: number; manifest: PackManifest }

/** The complete synthetic and downloaded cache entries that `names` pick (aliases pick every cached variant). */
export function entriesToPack(names: readonly string[], root: string): CacheEntry[] {
  if (names.length === 0) throw new PackError('name at least one model to pack, e.g. `slmlab cache pack qwen2.5-0.5b-twin tiny --out class.tar`');
  const entries = listCache({ cacheDir: root, foundryDir: null, modelDirs: [] })
    .filter((e) => (e.kind === 'synthetic' || e.kind === 'downloaded') && e.complete && !e.damaged);
  const picked = new Map<string, CacheEntry>();
  for (const name of names) {
    let found = entries.filter((e) => entryMatches(e, name));
    if (found.length === 0) {
      let dirs: string[] = [];
      try {
        dirs = findModel(loadCatalog(), name).variants.map((v) => cachedFolderFor(v, { cacheDir: root })).filter((d): d is string => d !== null);
      } catch { /* not a catalog name either: reported below */ }
      found = entries.filter((e) => dirs.some((d) => d === e.dir || d.startsWith(e.dir + path.sep)));
    }
    if (found.length === 0) {
      throw new PackError(`'${name}' is not complete in the cache ${root}: build or download it first (\`slmlab model download ${name}\`), or see \`slmlab cache list\``);
    }
    for (const e of found) picked.set(e.dir, e);
  }
  return [...picked.values()];
}

export async function packModels(names: readonly string[], o: PackOptions): Promise<PackResult> {
  const root = path.resolve(o.cacheDir ?? defaultCacheDir());
  const out = path.resolve(o.out);
  if (fs.existsSync(out) && !o.force) throw new PackError(`${out} already exists: choose another --out, or add --force to replace it`);
  const models: PackModel[] = [];
  for (const e of entriesToPack(names, root)) {
    const kind: PackKind = e.kind === 'synthetic' ? 'synthetic' : 'downloaded';
    const files = [];
    for (const f of walkFiles(e.dir)) {
      o.onFile?.(`${e.id}/${f.path}`, f.size);
      files.push({ path: f.path, size: f.size, sha256: await sha256File(path.join(e.dir, f.path)) });
    }
    models.push({ id: e.id, kind, folder: path.basename(e.dir), files });
  }
  const manifest: PackManifest = { format: PACK_FORMAT, version: 1, createdAt: new Date().toISOString(), slmlab: readJsonVersion(), models };

  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-pack-'));
  const tmpOut = `${out}.partial-${process.pid}`;
  try {
    fs.writeFileSync(path.join(tmpDir, MANIFEST_NAME), JSON.stringify(manifest, null, 1) + '\n');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    // The manifest first (unpack reads it before any file), then every file by its cache-relative path.
    await tar.c({ file: tmpOut, cwd: tmpDir, portable: true, strict: true }, [MANIFEST_NAME]);
    await tar.r({ file: tmpOut, cwd: root, portable: true, strict: true }, models.flatMap((m) => m.files.map((f) => entryPath(m, f.path))));
    fs.renameSync(tmpOut, out);
  } finally {
    fs.rmSync(tmpOut, { force: true });
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
  return { file: out, bytes: fs.statSync(out).size, modelBytes: totalBytes(manifest), manifest };
}
