/**
 * Synthetic variants live in <cacheDir>/synthetic/<syntheticId>, the folder buildModel
 * writes by default. buildModel renames its temp folder into place only when the model is
 * whole, so a synthetic folder is complete when buildModel's files are there:
 * model.onnx + model.onnx_data (+ genai_config.json for the genai layout) + config.json + tokenizer.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SyntheticSource } from '../catalog/types';
import { syntheticId } from '../synth/write-model';
import { BUILD_FILE, readCompletion } from './completion';
import { findDamage } from './damage';

/** The folder name buildModel gives this source (genai layout, builder defaults: block 32, seed 0). */
export function syntheticFolderName(source: SyntheticSource): string {
  return syntheticId(source.shape, source.precision, source.blockSize ?? 32, source.seed ?? 0, 'genai');
}

export function isCompleteSynthetic(dir: string): boolean {
  return hasBuildFiles(dir) && syntheticDamage(dir) === null;
}

function missingBuildFiles(dir: string): string[] {
  return ['config.json', 'tokenizer.json', 'genai_config.json', 'model.onnx'].filter((f) => !fs.existsSync(path.join(dir, f)));
}

function hasBuildFiles(dir: string): boolean {
  const has = (...p: string[]) => fs.existsSync(path.join(dir, ...p));
  if (!has('config.json') || !has('tokenizer.json')) return false;
  // model.onnx_data: the classic twin layout; model.onnx.data: the builder >= 0.15 layout.
  const weights = (...p: string[]) => has(...p, 'model.onnx_data') || has(...p, 'model.onnx.data');
  if (has('genai_config.json')) return has('model.onnx') && weights();
  return has('onnx', 'model.onnx') && weights('onnx');
}

/** What is wrong with a synthetic folder whose files are there (null: intact); see damage.ts. */
export function syntheticDamage(dir: string): string | null {
  // A folder the builder finished (its record is there) that lost a file is damaged, not "unknown" (issue 21).
  if (!hasBuildFiles(dir)) return readCompletion(dir, BUILD_FILE) ? `files are missing (${missingBuildFiles(dir).join(', ') || 'the weights'})` : null;
  return findDamage(dir, readCompletion(dir, BUILD_FILE));
}

/** buildModel's temp folders: `<dir>.partial-<pid>-<ms>`; returns the pid, or null for other names. */
export function buildTempPid(name: string): number | null {
  const m = /\.partial-(\d+)-\d+$/.exec(name);
  return m ? Number(m[1]) : null;
}
