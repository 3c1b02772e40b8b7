/**
 * Finds model folders under a root, for bring-your-own models and Foundry Local's cache.
 * A folder is a model folder when it holds Foundry's `inference_model.json` (custom models,
 * https://github.com/microsoft/Foundry-Local, "Custom model" in docs/how-to) or ONNX Runtime GenAI's `genai_config.json`. The
 * search goes down at most 3 levels, enough for Foundry's `Microsoft/<Id>-<ver>/v<ver>/`
 * download layout, and stops at the first model folder on each branch.
 * Runnable = what the engine accepts: inspectModelFolder (engine/model-folder.ts) succeeds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectModelFolder } from '../engine/model-folder';
import { readJsonObject } from './files';

export const MODEL_MARKERS = ['inference_model.json', 'genai_config.json'] as const;
export const SCAN_DEPTH = 3;

export interface FoundModelFolder {
  dir: string;
  /** Posix path relative to the root that was scanned. */
  rel: string;
  /** inference_model.json's Name, when there is one. */
  name: string | null;
  /** inspectModelFolder accepts it. */
  runnable: boolean;
}

export function isModelFolder(dir: string): boolean {
  return MODEL_MARKERS.some((m) => fs.existsSync(path.join(dir, m)));
}

/** Foundry's display name for a custom model folder (inference_model.json "Name"). */
export function inferenceModelName(dir: string): string | null {
  const v = readJsonObject(path.join(dir, 'inference_model.json'));
  return typeof v?.Name === 'string' && v.Name.length > 0 ? v.Name : null;
}

export function isRunnable(dir: string, onnxFile?: string): boolean {
  try { inspectModelFolder(dir, onnxFile); return true; } catch { return false; }
}

/**
 * Model folders under `root` (1..maxDepth levels below it; `root` itself is not one).
 * `skip(name, rel)` can exclude children (e.g. slmlab's own downloads). Hidden folders and
 * unreadable ones are skipped.
 */
export function findModelFolders(root: string, opts: { maxDepth?: number; skip?: (rel: string, dir: string) => boolean } = {}): FoundModelFolder[] {
  const maxDepth = opts.maxDepth ?? SCAN_DEPTH;
  const found: FoundModelFolder[] = [];
  const visit = (dir: string, rel: string, depth: number) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      const child = path.join(dir, e.name);
      if (opts.skip?.(childRel, child)) continue;
      if (isModelFolder(child)) {
        found.push({ dir: child, rel: childRel, name: inferenceModelName(child), runnable: isRunnable(child) });
      } else if (depth < maxDepth) {
        visit(child, childRel, depth + 1);
      }
    }
  };
  visit(path.resolve(root), '', 1);
  return found;
}

/**
 * The folder inside a downloaded variant that the engine loads: the variant folder itself
 * when it holds genai_config.json or config.json, else the first model folder below it.
 */
export function runnableDir(dir: string): string {
  if (['genai_config.json', 'config.json'].some((f) => fs.existsSync(path.join(dir, f)))) return dir;
  const below = findModelFolders(dir);
  return below.length > 0 ? below[0].dir : dir;
}
