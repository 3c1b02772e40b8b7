/**
 * `slmlab model quantize`: reads a float decoder (either layout slmlab runs), rewrites its
 * graph (rewrite-graph.ts), streams its weights into the new data file (stream-weights.ts),
 * adds the configs, tokenizer and Foundry's inference_model.json (model-files.ts), checks
 * that ONNX Runtime loads the result, and optionally registers it in the cache.
 *
 * Nothing half-written: the output is built under a temporary name beside its destination
 * and renamed into place only when complete and loadable; any failure removes it.
 * Memory: the graph (kilobytes to a few MB) plus two bands of BAND_BYTES, not the model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fromSystemError } from '../system-errors';
import { removeAbandonedBuilds } from '../cache/build-folder';
import { AbortedError, SlmlabError } from '../errors';
import { inspectModelFolder, type FolderLayout } from '../engine/model-folder';
import { DecoderSession } from '../engine/decoder-session';
import { decodeModel, encodeModel, TensorBytesReader, TensorDataWriter } from '../onnx';
import { modelsDir } from '../cache/location';
import { safeModelFolder } from '../cache/safe-name';
import { QuantizeError } from './errors';
import { resolveSettings, settingsLabel, type QuantizeSettings } from './options';
import { planQuantization, type QuantizePlan } from './plan';
import { rewriteModel } from './rewrite-graph';
import { streamWeights, type StreamProgress } from './stream-weights';
import { copyCompanionFiles, inferenceModelJson, updateConfigs, writeInferenceModelJson } from './model-files';

export interface QuantizeModelOptions extends Partial<QuantizeSettings> {
  /** The source model folder (genai_config.json + .onnx, or an Optimum folder). */
  source: string;
  /** In an Optimum folder with several .onnx files, which one. */
  onnxFile?: string;
  /** Destination folder; default <cache>/models/<name> when `register` is set. */
  out?: string;
  /** inference_model.json's Name; default '<source name>-<label>' (e.g. qwen2.5-0.5b-fp32-int4-b32-sym). */
  name?: string;
  /** Make the model visible to `slmlab cache list`, `model list` and `model run <name>`. */
  register?: boolean;
  /** Plan only: what would be quantised, sizes before and after; nothing is written. */
  dryRun?: boolean;
  /** Replace an existing destination. */
  force?: boolean;
  /** Load the result in ONNX Runtime before renaming it into place (default true). */
  verify?: boolean;
  /** Cache root for `register` (default: SLMLAB_CACHE_DIR, ...). */
  cacheDir?: string;
  onProgress?: (p: StreamProgress) => void;
  signal?: AbortSignal;
}

export interface QuantizeReport {
  name: string;
  label: string;
  settings: QuantizeSettings;
  source: { dir: string; onnx: string; layout: FolderLayout; weightBytes: number };
  /** The finished folder (null for a dry run). */
  dir: string | null;
  /** Where the model was registered (its folder under <cache>/models), or null. */
  registered: string | null;
  plan: QuantizePlan;
  files: { name: string; bytes: number }[];
  totalBytes: number;
  seconds: number;
  /** The process's peak resident memory when the weights had been written (before the load check). */
  peakRssBytes: number;
  verified: boolean;
  dryRun: boolean;
  /** Why the output has no genai_config.json, so ONNX Runtime GenAI and Foundry Local cannot run it (null: it has one). */
  noGenaiConfig: string | null;
}

export async function quantizeModel(options: QuantizeModelOptions): Promise<QuantizeReport> {
  const started = performance.now();
  const settings = resolveSettings(options);
  const label = settingsLabel(settings);
  const source = inspectModelFolder(options.source, options.onnxFile);
  const onnxName = path.relative(source.dir, source.onnxPath);
  const model = decodeModel(readModelBytes(source.onnxPath));
  const reader = new TensorBytesReader(path.dirname(source.onnxPath), source.dir);
  try {
    reader.checkBounds(model.graph.initializers);
    const plan = planQuantization(model, settings, onnxName);
    const name = options.name ?? `${source.name}-${label}`;
    const cacheRoot = options.cacheDir;
    const out = options.out ? path.resolve(options.out)
      : options.register ? path.join(modelsDir(cacheRoot), safeModelFolder(name)) : null;
    const sourceInfo = { dir: source.dir, onnx: onnxName, layout: source.layout, weightBytes: plan.bytesBefore };
    const report = (dir: string | null, registered: string | null, verified: boolean, peak: number, noGenaiConfig: string | null = null): QuantizeReport => {
      const files = dir ? listFiles(dir) : [];
      return {
        name, label, settings, source: sourceInfo, dir, registered, plan, files, totalBytes: files.reduce((a, f) => a + f.bytes, 0),
        seconds: (performance.now() - started) / 1000, peakRssBytes: peak, verified, dryRun: !dir, noGenaiConfig,
      };
    };
    if (options.dryRun) return report(null, null, false, peakRss());
    if (!out) throw new QuantizeError('say where the quantised model goes: pass --out <folder>, or --register to put it in the cache');
    if (path.resolve(out) === source.dir) throw new QuantizeError(`--out is the source folder '${out}': choose a new folder`);
    if (fs.existsSync(out) && !options.force) throw new QuantizeError(`'${out}' already exists: remove it, choose another --out, or pass --force to replace it`);
    if (options.register) safeModelFolder(name); // refuse a name that cannot be a cache folder before any work

    // Folders of earlier runs killed mid-write (kill -9) are swept first (issue 21).
    removeAbandonedBuilds(out);
    const tmp = `${out}.partial-${process.pid}-${Date.now()}`;
    let data: TensorDataWriter | null = null;
    let peak = 0;
    let verified = false;
    let genaiProblem: string | null = null;
    try {
      const onnxDir = source.layout === 'optimum' ? path.join(tmp, 'onnx') : tmp;
      fs.mkdirSync(onnxDir, { recursive: true });
      const outOnnx = source.layout === 'optimum' ? 'model.onnx' : path.basename(source.onnxPath);
      const location = `${outOnnx}_data`;
      data = new TensorDataWriter(path.join(onnxDir, location), location);
      const { model: rewritten, jobs } = rewriteModel(model, plan, data);
      data.presize();
      await streamWeights(jobs, reader, data, options.onProgress, options.signal);
      data.close();
      data = null;
      fs.writeFileSync(path.join(onnxDir, outOnnx), encodeModel(rewritten));
      copyCompanionFiles(source, tmp);
      genaiProblem = updateConfigs(tmp, source.layout === 'optimum' ? `onnx/${outOnnx}` : outOnnx, settings, source.name);
      writeInferenceModelJson(tmp, inferenceModelJson(source, tmp, name));
      peak = peakRss();
      if (options.verify !== false) {
        await verifyLoads(path.join(onnxDir, outOnnx));
        verified = true;
      }
      if (fs.existsSync(out)) fs.rmSync(out, { recursive: true, force: true });
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.renameSync(tmp, out);
    } catch (e) {
      data?.abort();
      fs.rmSync(tmp, { recursive: true, force: true });
      throw wrapWriteError(e, out);
    }
    let registered: string | null = null;
    if (options.register) registered = registerFolder(out, name, cacheRoot, !!options.force);
    return report(out, registered, verified, peak, genaiProblem);
  } finally {
    reader.close();
  }
}

function readModelBytes(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new QuantizeError(`cannot read '${file}': ${(e as Error).message}`);
  }
}

async function verifyLoads(onnxPath: string): Promise<void> {
  let session: DecoderSession;
  try {
    session = await DecoderSession.create(onnxPath, { provider: 'cpu', threads: 1, graphOptimizationLevel: 'basic' });
  } catch (e) {
    throw new QuantizeError(`the quantised model does not load in ONNX Runtime (${(e as Error).message.split('\n')[0]}); nothing was written. Try another --precision, or --exclude the node it names`, { cause: e });
  }
  await session.release();
}

/**
 * Puts `dir` under <cache>/models/<name>: hard links where the file system allows (no extra
 * space), copies elsewhere. A folder already there is replaced only with `force`.
 */
export function registerFolder(dir: string, name: string, cacheRoot: string | undefined, force: boolean): string {
  const target = path.join(modelsDir(cacheRoot), safeModelFolder(name));
  if (path.resolve(target) === path.resolve(dir)) return target;
  if (fs.existsSync(target) && !force) throw new QuantizeError(`a model is already registered as '${name}' (${target}): pass --force to replace it, or choose another --name`);
  removeAbandonedBuilds(target);
  const tmp = `${target}.partial-${process.pid}-${Date.now()}`;
  try {
    fs.mkdirSync(tmp, { recursive: true });
    for (const f of listFiles(dir)) {
      const to = path.join(tmp, f.name);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      try { fs.linkSync(path.join(dir, f.name), to); } catch { fs.copyFileSync(path.join(dir, f.name), to); }
    }
    if (fs.existsSync(target)) fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw wrapWriteError(e, target);
  }
  return target;
}

function listFiles(dir: string, prefix = ''): { name: string; bytes: number }[] {
  const out: { name: string; bytes: number }[] = [];
  for (const e of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push({ name: rel, bytes: fs.statSync(path.join(dir, rel)).size });
  }
  return out;
}

/** The process's peak resident set size so far, in bytes. */
export function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

function wrapWriteError(e: unknown, out: string): Error {
  if (e instanceof SlmlabError) return e;
  // A read-only cache or --out (exit 7), a full disk (6), a file where a folder goes (2): the typed error (issue 21).
  const typed = fromSystemError(e);
  if (typed instanceof SlmlabError) return typed;
  const err = e as NodeJS.ErrnoException;
  if (err?.name === 'AbortError') return new AbortedError('quantisation interrupted: nothing was written');
  const hint = err.code === 'ENOSPC' ? ': the disk is full; free space or pass --out on another disk'
    : err.code === 'EACCES' || err.code === 'EPERM' ? ': no permission to write there; pass --out in a folder you can write' : '';
  return new QuantizeError(`writing '${out}' failed: ${err.message ?? String(e)}${hint}; nothing was left behind`, { cause: e });
}
