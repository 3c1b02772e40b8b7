/**
 * `slmlab cache unpack class.tar`: the student's side of the class pack, offline. One pass over
 * the tar (node-tar's parser, strict) checks every entry against the manifest that comes first:
 * only regular files (links, devices and folders are refused), only paths the manifest lists
 * (so nothing lands outside the cache), each with its listed size and SHA-256. Files are written
 * to <cache>/.unpack-staging/ and a model's folder is moved into synthetic/ or models/ only when
 * all its files arrived intact, so a damaged or foreign pack installs nothing.
 *
 * Resumable: a model already installed with the pack's files is skipped, and a file staged by an
 * interrupted run is kept when its size and SHA-256 match (only the rest is written again).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import * as tar from 'tar';
import { ChecksumError } from '../../errors';
import { cacheDir as defaultCacheDir } from '../location';
import { BUILD_FILE, COMPLETE_FILE } from '../completion';
import { resolveInside } from '../safe-name';
import { acquireLock, lockFile } from '../lock';
import { sha256File } from './hash';
import { PackError } from './errors';
import { KIND_ROOT, MANIFEST_NAME, MAX_MANIFEST_BYTES, entryPath, parseManifest, totalBytes, type PackFile, type PackManifest, type PackModel } from './manifest';

export const STAGING = '.unpack-staging';

export interface UnpackOptions {
  cacheDir?: string;
  /** Called after each file is written (or kept from an interrupted run). */
  onFile?: (file: string, size: number, kept: boolean) => void;
}

export interface UnpackResult {
  manifest: PackManifest;
  /** Model ids moved into the cache by this run. */
  installed: string[];
  /** Model ids that were already installed with the pack's files. */
  alreadyInstalled: string[];
  /** Bytes written by this run (kept and skipped files not counted). */
  writtenBytes: number;
  modelBytes: number;
}

/** Whether the cache already holds this model with the pack's files (same paths and sizes). */
function installed(root: string, m: PackModel): boolean {
  const dir = path.join(root, KIND_ROOT[m.kind], m.folder);
  return m.files.every((f) => { try { return fs.statSync(path.join(dir, f.path)).size === f.size; } catch { return false; } });
}

async function stagedIntact(file: string, f: PackFile): Promise<boolean> {
  try { if (fs.statSync(file).size !== f.size) return false; } catch { return false; }
  return (await sha256File(file)) === f.sha256;
}

export async function unpackModels(packFile: string, o: UnpackOptions = {}): Promise<UnpackResult> {
  const file = path.resolve(packFile);
  let stat: fs.Stats;
  try { stat = fs.statSync(file); } catch { throw new PackError(`${file} does not exist: give the path of the class pack (a .tar made by \`slmlab cache pack\`)`); }
  if (!stat.isFile()) throw new PackError(`${file} is not a file: give the path of the class pack (a .tar made by \`slmlab cache pack\`)`);
  const root = path.resolve(o.cacheDir ?? defaultCacheDir());
  const staging = path.join(root, STAGING);
  fs.mkdirSync(path.join(root, 'locks'), { recursive: true });
  const { lock } = await acquireLock(lockFile(root, 'class-pack-unpack'), 'class pack', { pollMs: 200 });
  try {
    return await unpackLocked(file, root, staging, o, () => lock.touch());
  } finally {
    lock.release();
  }
}

async function unpackLocked(file: string, root: string, staging: string, o: UnpackOptions, touch: () => void): Promise<UnpackResult> {
  let manifest: PackManifest | null = null;
  let problem: Error | null = null;
  const expected = new Map<string, { model: PackModel; file: PackFile }>();
  const skip = new Set<PackModel>();
  const arrived = new Set<string>();
  const pending: Promise<void>[] = [];
  let writtenBytes = 0;
  let index = 0;
  const fail = (e: Error) => { problem ??= e; };

  const onEntry = (entry: tar.ReadEntry) => {
    const i = index++;
    touch();
    if (problem) { entry.resume(); return; }
    const name = entry.path;
    if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
      fail(new PackError(`the pack holds '${name}', a ${entry.type}: a class pack holds only regular files (links are refused); nothing was installed from it`));
      entry.resume();
      return;
    }
    if (i === 0) {
      if (name !== MANIFEST_NAME) { fail(new PackError(`not a slmlab class pack (its first entry is '${name}', not ${MANIFEST_NAME}): make one with \`slmlab cache pack\``)); entry.resume(); return; }
      if ((entry.size ?? 0) > MAX_MANIFEST_BYTES) { fail(new PackError(`not a slmlab class pack (${MANIFEST_NAME} is ${entry.size} bytes)`)); entry.resume(); return; }
      const chunks: Buffer[] = [];
      entry.on('data', (d: Buffer) => chunks.push(d));
      entry.on('end', () => {
        try {
          manifest = parseManifest(Buffer.concat(chunks).toString('utf8'));
          for (const m of manifest.models) {
            const record = m.kind === 'synthetic' ? BUILD_FILE : COMPLETE_FILE;
            if (!m.files.some((f) => f.path === record)) fail(new PackError(`the pack's ${m.id} has no ${record}: it is not a cache folder slmlab wrote; nothing was installed`));
            if (installed(root, m)) skip.add(m);
            for (const f of m.files) expected.set(entryPath(m, f.path), { model: m, file: f });
          }
        } catch (e) { fail(e as Error); }
      });
      return;
    }
    const want = expected.get(name);
    if (!manifest || !want) {
      fail(new PackError(`the pack holds '${name}', which its manifest does not list: foreign or altered content; nothing was installed`));
      entry.resume();
      return;
    }
    if (arrived.has(name)) { fail(new PackError(`the pack holds '${name}' twice: altered content; nothing was installed`)); entry.resume(); return; }
    arrived.add(name);
    if (entry.size !== want.file.size) {
      fail(new ChecksumError(`${name} is ${entry.size} bytes in the pack, its manifest says ${want.file.size}: the pack is damaged; copy it again`));
      entry.resume();
      return;
    }
    if (skip.has(want.model)) { entry.resume(); return; }
    const dest = resolveInside(staging, name);
    pending.push(writeEntry(entry, dest, want.file, name).then((kept) => {
      if (!kept) writtenBytes += want.file.size;
      o.onFile?.(name, want.file.size, kept);
    }, (e: Error) => fail(e)));
  };

  try {
    await tar.t({ file, strict: true, noResume: true, onReadEntry: onEntry });
  } catch (e) {
    fail(new PackError(`${file} is not a readable tar (${(e as Error).message}): the pack is damaged, cut short or not a class pack; copy it again and rerun (files already checked are kept)`));
  }
  await Promise.all(pending);
  if (!problem && !manifest) fail(new PackError(`${file} holds no ${MANIFEST_NAME}: not a slmlab class pack`));
  if (!problem) {
    const missing = [...expected.keys()].filter((k) => !arrived.has(k));
    if (missing.length) fail(new ChecksumError(`the pack ends before ${missing[0]}${missing.length > 1 ? ` and ${missing.length - 1} more` : ''}: it is truncated; copy it again (files already checked are kept for the next try)`));
  }
  if (problem) throw problem;

  const m = manifest as unknown as PackManifest;
  const done: string[] = [];
  for (const model of m.models) {
    if (skip.has(model)) continue;
    const rel = `${KIND_ROOT[model.kind]}/${model.folder}`;
    const target = resolveInside(root, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // A folder of the same name that is not this model (incomplete, damaged, older) is replaced.
    if (fs.existsSync(target)) fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(resolveInside(staging, rel), target);
    done.push(model.id);
  }
  fs.rmSync(staging, { recursive: true, force: true });
  return { manifest: m, installed: done, alreadyInstalled: m.models.filter((x) => skip.has(x)).map((x) => x.id), writtenBytes, modelBytes: totalBytes(m) };
}

/** Streams one entry to `dest` through a temp name, checking its SHA-256; true when an intact copy was already staged. */
async function writeEntry(entry: tar.ReadEntry, dest: string, f: PackFile, name: string): Promise<boolean> {
  // The parser waits for this entry to be consumed: decide synchronously whether to keep a staged copy.
  const staged = fs.existsSync(dest) && fs.statSync(dest).size === f.size;
  if (staged) {
    entry.resume();
    if (await stagedIntact(dest, f)) return true;
    fs.rmSync(dest, { force: true });
    throw new ChecksumError(`${name} staged by an earlier run does not match the pack: run \`slmlab cache unpack\` again`);
  }
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.part`;
  const h = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    // One consumer for the entry's data (a second listener attached later would miss chunks the
    // first one already drained): hash and write each chunk, pausing the entry while the file catches up.
    const w = fs.createWriteStream(tmp);
    w.on('error', reject);
    w.on('finish', () => resolve());
    entry.on('error', reject);
    entry.on('end', () => w.end());
    entry.on('data', (d: Buffer) => {
      h.update(d);
      if (!w.write(d)) { entry.pause(); w.once('drain', () => entry.resume()); }
    });
  });
  const got = h.digest('hex');
  if (got !== f.sha256) {
    fs.rmSync(tmp, { force: true });
    throw new ChecksumError(`${name} does not match its SHA-256 in the pack's manifest: the pack is damaged; copy it again (nothing was installed)`);
  }
  fs.renameSync(tmp, dest);
  return false;
}
