/**
 * Builds a synthetic model into slmlab's cache (or into `out`): synth/write-model.ts writes the
 * files, this module decides where and keeps the folder honest. The folder appears atomically:
 * it is written under a temporary name beside the destination (build-folder.ts) and renamed only
 * when complete, so a crash or Ctrl-C never leaves a half model. A completion record
 * (.slmlab-build.json, the files and their sizes) is written last; a folder that no longer
 * matches it is damaged, and is rebuilt instead of reused. Temporary folders of builds whose
 * process is gone (killed mid-way) are removed before a new build. The lock two processes
 * share is build-locked.ts's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BuildError, SlmlabError } from '../errors';
import { fromSystemError } from '../system-errors';
import { parameterCount } from '../synth/shapes';
import type { Layout, LogitsMode } from '../synth/decoder-graph';
import {
  hasModelFiles, specId, validateSpec, writeModel,
  type BuilderStyle, type ModelSpec, type Precision, type ValidSpec, type WriteOptions,
} from '../synth/write-model';
import { syntheticDir } from './location';
import { BUILD_FILE, readCompletion, writeCompletion, type CompletedFile } from './completion';
import { findDamage } from './damage';
import { removeAbandonedBuilds, temporaryFolder } from './build-folder';

export interface BuildOptions extends ModelSpec, WriteOptions {
  /** Destination folder; default: <cache>/synthetic/<id>. */
  out?: string;
  /** Replace an existing folder at `out`. */
  force?: boolean;
}

export interface BuildReport {
  dir: string;
  id: string;
  shape: string;
  twinOf: string | null;
  precision: Precision;
  seed: number;
  layout: Layout;
  builder: BuilderStyle;
  logits: LogitsMode;
  parameters: number;
  files: { name: string; bytes: number }[];
  totalBytes: number;
  seconds: number;
  /** True when the folder already existed and nothing was built. */
  reused: boolean;
  /** Set when an existing folder was damaged and has been rebuilt: what was wrong. */
  repaired?: string;
}

/** The id and folder a build with these options produces (for locking before building). */
export function buildTarget(options: BuildOptions): { id: string; dir: string } {
  const id = specId(validateSpec(options));
  return { id, dir: path.resolve(options.out ?? path.join(syntheticDir(), id)) };
}

/** Builds (or reuses) a synthetic model folder. */
export async function buildModel(options: BuildOptions): Promise<BuildReport> {
  const o = validateSpec(options);
  const id = specId(o);
  const dir = path.resolve(options.out ?? path.join(syntheticDir(), id));
  const started = performance.now();

  let repaired: string | undefined;
  if (fs.existsSync(dir)) {
    if (!options.force) {
      const record = readCompletion(dir, BUILD_FILE);
      const complete = hasModelFiles(dir, o);
      const damage = complete ? findDamage(dir, record) : record ? 'files are missing' : null;
      if (complete && damage === null) return { ...describe(dir, id, o), seconds: 0, reused: true };
      // A folder this builder recorded, now damaged: rebuilt. Anything else is not ours to replace.
      if (!record || record.variantId !== id) throw new BuildError(`'${dir}' exists and is not a complete slmlab model${damage ? ` (${damage})` : ''}: remove it or pass --force to replace it`);
      repaired = damage ?? undefined;
    }
  }
  try {
    removeAbandonedBuilds(dir);
  } catch { /* best effort: `slmlab cache clean` removes them too */ }

  const tmp = temporaryFolder(dir);
  try {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.mkdirSync(tmp, { recursive: true });
    await writeModel(tmp, o, { threads: options.threads, onProgress: options.onProgress });
    writeBuildRecord(tmp, id, o);
    if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (e) {
    try { fs.rmSync(tmp, { recursive: true, force: true }); } catch { /* nothing was created */ }
    if (e instanceof BuildError) throw e;
    const typed = fromSystemError(e); // a read-only cache (exit 7), a full disk (exit 6)
    if (typed instanceof SlmlabError && typed.code !== 'usage') throw typed; // a file in the way stays a BuildError, below
    const err = e as NodeJS.ErrnoException;
    const hint = err.code === 'ENOSPC' ? ': the disk is full; free space or pass --out on another disk'
      : err.code === 'EEXIST' || err.code === 'ENOTDIR' ? `: a file stands where a folder is needed; pass an --out whose parent folders are folders`
      : err.code === 'EACCES' || err.code === 'EPERM' ? ': no permission to write there; pass --out in a folder you can write' : '';
    throw new BuildError(`building '${id}' failed: ${err.message}${hint}`, { cause: e });
  }
  const seconds = (performance.now() - started) / 1000;
  return { ...describe(dir, id, o), seconds, reused: false, ...(repaired ? { repaired } : {}) };
}

/** The completion record of a build: every file with its size, written last. */
function writeBuildRecord(dir: string, id: string, o: ValidSpec): void {
  const files: CompletedFile[] = [];
  const walk = (d: string, prefix: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${prefix}${e.name}/`);
      else files.push({ path: prefix + e.name, size: fs.statSync(path.join(d, e.name)).size });
    }
  };
  walk(dir, '');
  const source = { kind: 'synthetic' as const, shape: o.shape.name, precision: o.precision, blockSize: o.blockSize, seed: o.seed };
  writeCompletion(dir, { variantId: id, source, files, completedAt: new Date().toISOString() }, BUILD_FILE);
}

function describe(dir: string, id: string, o: ValidSpec): Omit<BuildReport, 'seconds' | 'reused'> {
  const files: { name: string; bytes: number }[] = [];
  const walk = (d: string, prefix: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${prefix}${e.name}/`);
      else if (prefix + e.name !== BUILD_FILE) files.push({ name: prefix + e.name, bytes: fs.statSync(path.join(d, e.name)).size });
    }
  };
  walk(dir, '');
  return {
    dir, id, shape: o.shape.name, twinOf: o.shape.twinOf, precision: o.precision, seed: o.seed, layout: o.layout, builder: o.builder, logits: o.logits,
    parameters: parameterCount(o.shape), files, totalBytes: files.reduce((a, f) => a + f.bytes, 0),
  };
}
