/**
 * ensureVariant: make a catalog variant runnable on this machine and return its folder.
 *
 *   cached?  models/<folder> holds .slmlab-complete.json and its files   → return it
 *   lock     locks/<folder>.lock (lock.ts): a second process waits, then finds it finished
 *   list     the source's files with sizes and checksums (plan.ts)
 *   fetch    each into downloads/<folder>.partial/, resuming what is there (fetch-file.ts)
 *   record   .slmlab-complete.json written last, then the folder renamed into models/
 *
 * A variant is cached only when all of this finished: a crash, Ctrl-C or error at any step
 * leaves at most a resumable partial folder (Foundry Local has no resume: FL #20, #325, #1024).
 * A cached folder that no longer matches its record (damage.ts: a size changed, an external-
 * data reference past its file's end) is not "already in the cache": it is moved back to the
 * partial folder and repaired, re-fetching only what is wrong. `force` also re-hashes every
 * file against its recorded SHA-256 first (and re-lists the source).
 * Synthetic variants are built instead (build-synthetic.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CatalogVariant, HuggingFaceSource, SyntheticSource, UrlSource } from '../../catalog/types';
import { AbortedError, InvalidRequestError, ModelInvalidError } from '../../errors';
import { COMPLETE_FILE, PLAN_FILE, completionIntact, readCompletion, writeCompletion, type CompletedFile } from '../completion';
import { findDamage } from '../damage';
import { isDir, readJsonObject, walkFiles } from '../files';
import { cacheDir as defaultCacheDir, downloadsDir, modelsDir } from '../location';
import { acquireLock, lockFile, type HeldLock } from '../lock';
import { runnableDir } from '../model-scan';
import { resolveInside, safeModelFolder } from '../safe-name';
import { ensureSynthetic } from './build-synthetic';
import { writeInferenceModel, type InferenceModel } from '../inference-model';
import { addGenaiConfigToOptimumFolder } from '../optimum-genai-config';
import { ensureFreeSpace } from './disk-space';
import { DEFAULT_MAX_UNLISTED_BYTES, fetchFile } from './fetch-file';
import { hubEndpoint, hubToken } from './hub-api';
import { planHuggingFaceWithTokenizer, planUrl, type DownloadPlan } from './plan';
import { ProgressTracker, type ProgressCallback } from './progress';
import { retryPolicy, type RetryPolicy } from './retry';
import { envValue } from '../../environment';

export interface EnsureOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Hugging Face endpoint; default HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Hugging Face token; default HF_TOKEN, else HUGGING_FACE_HUB_TOKEN. */
  token?: string;
  /** Tries per request (a number) or a full policy; default 5 tries, 0.5 s base, 30 s cap. */
  retries?: number | Partial<RetryPolicy>;
  /** Response headers must arrive within this (default 30 s). */
  timeoutMs?: number;
  /** A body that sends nothing for this long is cut and resumed (default 60 s). */
  stallMs?: number;
  /** Least bytes per stallMs window (default 16 KiB): a trickle is a stall (fetch-file.ts). */
  minBytesPerStall?: number;
  /** At most one progress event per this many ms (default 100). */
  progressIntervalMs?: number;
  /** Default cacheDir(). */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  lock?: { staleMs?: number; pollMs?: number };
  /** Re-verify a cached variant byte by byte (SHA-256) and repair whatever differs; synthetic: rebuild. */
  force?: boolean;
  /** Written as Foundry's inference_model.json beside the files (the catalog's name and prompt template). */
  inferenceModel?: InferenceModel;
}

export interface EnsureResult {
  /** The folder the engine loads. */
  dir: string;
  /** False when it was already cached (or another process finished it while this one waited). */
  downloaded: boolean;
  /** Set when a damaged cached copy was repaired: what was wrong. */
  repaired?: string;
}

export async function ensureVariant(variant: CatalogVariant, opts: EnsureOptions = {}): Promise<EnsureResult> {
  const env = opts.env ?? process.env;
  const root = path.resolve(opts.cacheDir ?? defaultCacheDir(env));
  const tracker = new ProgressTracker(variant.id, variant.sizeBytes, opts.onProgress, opts.progressIntervalMs ?? 100);
  if (variant.source.kind === 'synthetic') {
    const r = await ensureSynthetic(variant as CatalogVariant & { source: SyntheticSource }, { root, tracker, signal: opts.signal, lock: opts.lock, force: opts.force });
    tracker.phase('done');
    return r;
  }

  if (variant.source.kind !== 'huggingface' && variant.source.kind !== 'url') {
    throw new InvalidRequestError(`variant '${variant.id}' has a source of unknown kind '${(variant.source as { kind?: unknown }).kind}': use huggingface, url or synthetic`, 'source');
  }
  const folder = safeModelFolder(variant.id);
  const final = resolveInside(modelsDir(root), folder);
  const cached = opts.force ? null : finishedDir(final);
  if (cached) { addFoundryFiles(cached, variant, opts); tracker.phase('done'); return { dir: cached, downloaded: false }; }
  if (isDir(final) && !readCompletion(final)) {
    throw new ModelInvalidError(`'${final}' exists but is not a slmlab download of '${variant.id}' (it has no ${COMPLETE_FILE}): move that folder elsewhere (it is listed as a custom model) and run again`);
  }

  const partial = resolveInside(downloadsDir(root), `${folder}.partial`);
  const { lock } = await acquireLock(lockFile(root, folder), variant.id, {
    ...opts.lock, signal: opts.signal, onPoll: () => observeOther(partial, tracker),
  });
  try {
    let repaired: string | undefined;
    const record = readCompletion(final);
    if (record) {
      tracker.phase('verifying', '');
      const damage = findDamage(final, record, { hash: opts.force });
      if (damage === null) {
        const dir = finishedDir(final) ?? final;
        addFoundryFiles(dir, variant, opts);
        tracker.phase('done');
        return { dir, downloaded: false };
      }
      repaired = damage;
      moveBackForRepair(final, partial);
    }
    fs.mkdirSync(partial, { recursive: true });
    try {
      const r = await download(variant as CatalogVariant & { source: HuggingFaceSource | UrlSource }, partial, final, tracker, lock, opts, env);
      return repaired ? { ...r, repaired } : r;
    } catch (e) {
      // Nothing fetched yet (e.g. the listing failed): leave no empty partial behind.
      if (walkFiles(partial).every((f) => f.path === PLAN_FILE)) fs.rmSync(partial, { recursive: true, force: true });
      throw e;
    }
  } finally {
    lock.release();
  }
}

/**
 * The cap for a file with no listed size (issue 21): the catalog's size of the whole variant
 * (with 10% slack) when it has one, else SLMLAB_MAX_UNLISTED_BYTES, else DEFAULT_MAX_UNLISTED_BYTES.
 */
export function unlistedCap(variantBytes: number | null | undefined, env: NodeJS.ProcessEnv): number {
  if (variantBytes && variantBytes > 0) return Math.ceil(variantBytes * 1.1) + 1024 * 1024;
  const v = Number(envValue('SLMLAB_MAX_UNLISTED_BYTES', env));
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_MAX_UNLISTED_BYTES;
}

/** List, fetch and verify every file into `partial`, write the completion record, move it to `final`. */
async function download(variant: CatalogVariant & { source: HuggingFaceSource | UrlSource }, partial: string, final: string, tracker: ProgressTracker, lock: HeldLock, opts: EnsureOptions, env: NodeJS.ProcessEnv): Promise<EnsureResult> {
  fs.writeFileSync(path.join(partial, PLAN_FILE), JSON.stringify({ variantId: variant.id }) + '\n');

  tracker.phase('listing');
  lock.touch();
  const retry = retryPolicy(opts.retries);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const endpoint = (opts.endpoint ?? hubEndpoint(env)).replace(/\/+$/, '');
  const token = opts.token ?? hubToken(env);
  const source = variant.source;
  const listed: DownloadPlan = source.kind === 'huggingface'
    ? await planHuggingFaceWithTokenizer(source, { endpoint, token, timeoutMs, retry, signal: opts.signal })
    : planUrl(source);
  // slmlab's own bookkeeping files are never taken from a source (a folder uploaded as it was built has them).
  const files = listed.files.filter((f) => f.path !== COMPLETE_FILE && f.path !== PLAN_FILE);
  const plan: DownloadPlan = { ...listed, files, total: files.length === listed.files.length ? listed.total : files.every((f) => f.size !== null) ? files.reduce((a, f) => a + (f.size ?? 0), 0) : null };
  fs.writeFileSync(path.join(partial, PLAN_FILE), JSON.stringify({ variantId: variant.id, commit: plan.commit, files: plan.files.map((f) => ({ path: f.path, size: f.size })) }) + '\n');
  removeStrays(partial, new Set(plan.files.map((f) => f.path)));

  const onDisk: Record<string, number> = {};
  let needed = 0;
  for (const f of plan.files) {
    const have = sizeOf(path.join(partial, f.path));
    onDisk[f.path] = f.size !== null ? Math.min(have, f.size) : have;
    if (f.size !== null) needed += Math.max(0, f.size - have);
  }
  tracker.setTotal(plan.total ?? variant.sizeBytes, onDisk);
  ensureFreeSpace(partial, needed);

  const done: CompletedFile[] = [];
  for (const f of plan.files) {
    if (opts.signal?.aborted) throw new AbortedError('download aborted by the caller; the partial download is kept and resumes on the next run');
    const dest = resolveInside(partial, f.path);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const got = await fetchFile(f, dest, {
      token, tokenOrigin: safeOrigin(endpoint), timeoutMs, stallMs: opts.stallMs ?? 60_000, retry, signal: opts.signal,
      maxUnlistedBytes: unlistedCap(variant.sizeBytes, env), minBytesPerStall: opts.minBytesPerStall,
      repo: source.kind === 'huggingface' ? source.repo : undefined,
      revision: source.kind === 'huggingface' ? source.revision : undefined,
      onStart: (have) => { tracker.startFile(f.path, f.size, have); lock.touch(); },
      onData: (n) => { tracker.add(n); lock.touch(); },
      onRewind: (n) => tracker.rewind(n),
      onVerify: () => tracker.phase('verifying', f.path),
    });
    done.push(got);
  }

  tracker.phase('verifying', '');
  fs.rmSync(path.join(partial, PLAN_FILE), { force: true });
  const modelDir = path.relative(partial, runnableDir(partial)).split(path.sep).join('/');
  addFoundryFiles(path.join(partial, modelDir), variant, opts);
  writeCompletion(partial, { variantId: variant.id, source, files: done, completedAt: new Date().toISOString(), ...(plan.commit ? { commit: plan.commit } : {}), modelDir });
  if (fs.existsSync(final)) fs.rmSync(final, { recursive: true, force: true }); // our own record, files damaged: replaced
  fs.mkdirSync(path.dirname(final), { recursive: true });
  fs.renameSync(partial, final);
  tracker.phase('done', '');
  return { dir: path.join(final, modelDir), downloaded: true };
}

/**
 * What Foundry Local needs to list the folder (Foundry-Local sdk_v2/cpp/src/catalog/local_model_scanner.cc):
 * inference_model.json with the variant's Name, and genai_config.json, which an Optimum-layout
 * download lacks (optimum-genai-config.ts writes it, or `slmlab model check --foundry` says why not).
 * Also run on a cached folder that ensureVariant is asked for (`model download --force` re-verifies
 * and gets here), for folders downloaded before slmlab wrote these; a read-only cache is left as it is.
 */
function addFoundryFiles(dir: string, variant: CatalogVariant, opts: EnsureOptions): void {
  try {
    if (opts.inferenceModel) writeInferenceModel(dir, opts.inferenceModel);
    addGenaiConfigToOptimumFolder(dir, variant.source.kind === 'huggingface' ? variant.source.onnxFile : undefined);
  } catch { /* a read-only cache: the model still runs in slmlab */ }
}

/**
 * A damaged download goes back to downloads/<folder>.partial, where the download resumes it:
 * a file of the listed size is re-hashed against the source's checksum (and fetched again if
 * it differs), a shorter one is continued with Range, a longer one is fetched afresh.
 */
function moveBackForRepair(final: string, partial: string): void {
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(partial), { recursive: true });
  fs.renameSync(final, partial);
  fs.rmSync(path.join(partial, COMPLETE_FILE), { force: true });
}

/** The runnable folder of a finished, intact download at `final`, else null. */
function finishedDir(final: string): string | null {
  const record = readCompletion(final);
  if (!record || !completionIntact(final, record) || findDamage(final, record) !== null) return null;
  return record.modelDir !== undefined ? path.join(final, record.modelDir) : runnableDir(final);
}

/** While another process downloads: its progress, from its plan file and the bytes on disk. */
function observeOther(partial: string, tracker: ProgressTracker): void {
  const plan = readJsonObject(path.join(partial, PLAN_FILE));
  if (!plan || !Array.isArray(plan.files)) return;
  const files = plan.files as { path: string; size: number | null }[];
  const bytes = files.reduce((a, f) => a + Math.min(sizeOf(path.join(partial, f.path)), f.size ?? Infinity), 0);
  const total = files.every((f) => typeof f.size === 'number') ? files.reduce((a, f) => a + (f.size ?? 0), 0) : null;
  tracker.observe(bytes, total);
}

function sizeOf(file: string): number {
  try { return fs.statSync(file).size; } catch { return 0; }
}

function safeOrigin(url: string): string | undefined {
  try { return new URL(url).origin; } catch { return undefined; }
}

/** Files left in a partial folder by an earlier plan (other include patterns, a newer revision). */
function removeStrays(dir: string, keep: Set<string>): void {
  const walk = (d: string, prefix: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const rel = prefix + e.name;
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full, `${rel}/`);
      else if (rel !== PLAN_FILE && !keep.has(rel)) fs.rmSync(full, { force: true });
    }
  };
  walk(dir, '');
}
