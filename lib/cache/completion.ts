/**
 * The completion record: `.slmlab-complete.json`, written last into a downloaded variant's
 * folder, after every file was fetched and verified, and just before the folder is renamed
 * from downloads/ into models/. A folder in models/ without it is not a finished download
 * (it may be a bring-your-own folder), so "cached" means: folder + this record. Synthetic
 * builds write the same record as `.slmlab-build.json` (sizes only, no hashes; another name, so
 * that a copied build is still a bring-your-own folder, not a download). The record's sizes (and a download's hashes)
 * are what damage.ts checks the folder against.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VariantSource } from '../catalog/types';
import { readJsonObject, writeJsonAtomic } from './files';

export const COMPLETE_FILE = '.slmlab-complete.json';
/** A synthetic build's record (same shape as a download's). */
export const BUILD_FILE = '.slmlab-build.json';
/** In a partial download: {variantId, commit?, files: [{path, size}]}, so listings and waiting processes know what it is. */
export const PLAN_FILE = '.slmlab-plan.json';

export interface CompletedFile {
  /** Posix path relative to the variant folder. */
  path: string;
  size: number;
  /**
   * SHA-256 of the bytes on disk (computed while downloading; checked against the source's when
   * it published one). Absent for synthetic builds (a rebuild is cheaper than hashing).
   */
  sha256?: string;
}

export interface CompletionRecord {
  variantId: string;
  source: VariantSource;
  files: CompletedFile[];
  /** ISO 8601. */
  completedAt: string;
  /** Hugging Face: the commit the revision resolved to when the files were listed. */
  commit?: string;
  /** Folder (relative to the variant folder, '' for itself) that the engine loads. */
  modelDir?: string;
}

export function writeCompletion(dir: string, record: CompletionRecord, file = COMPLETE_FILE): void {
  writeJsonAtomic(path.join(dir, file), record);
}

/** The record in `dir`, or null when it is missing or malformed. */
export function readCompletion(dir: string, file = COMPLETE_FILE): CompletionRecord | null {
  const v = readJsonObject(path.join(dir, file));
  if (!v || typeof v.variantId !== 'string' || !Array.isArray(v.files) || typeof v.completedAt !== 'string') return null;
  return v as unknown as CompletionRecord;
}

/**
 * Cheap check that `dir` still holds what its record lists (each file present with its
 * recorded size); hashes are not recomputed (that is `verifyCompletion`'s job).
 */
export function completionIntact(dir: string, record: CompletionRecord): boolean {
  return record.files.every((f) => {
    try { return fs.statSync(path.join(dir, f.path)).size === f.size; } catch { return false; }
  });
}
