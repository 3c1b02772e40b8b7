/**
 * Where on-demand engines live: <cache>/engines/<engine>/ (lib/cache/location.ts's cacheDir),
 * never the project's node_modules. The llama.cpp folder is an npm prefix:
 *   <cache>/engines/llama.cpp/node_modules/node-llama-cpp/...
 *   <cache>/engines/llama.cpp/slmlab-engine.json   what was installed, verified, and the CPU build
 *   <cache>/engines/llama.cpp/verify-tiny.gguf     the tiny model the install was verified with
 * SLMLAB_ENGINES_DIR moves <cache>/engines elsewhere.
 */
import * as path from 'node:path';
import { cacheDir } from '../../cache/location';
import { envValue } from '../../environment';

export const ENGINE_RECORD = 'slmlab-engine.json';

/**
 * <root>/engines when a cache root is given; else SLMLAB_ENGINES_DIR when set (one install
 * shared by runs with different caches, e.g. the test suite's temporary ones), else <cache>/engines.
 */
export function enginesDir(root?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (root) return path.join(root, 'engines');
  const own = envValue('SLMLAB_ENGINES_DIR', env);
  if (own) return path.resolve(own);
  return path.join(cacheDir(env), 'engines');
}

export function llamaCppDir(root?: string): string {
  return path.join(enginesDir(root), 'llama.cpp');
}

/** node-llama-cpp's ESM entry inside an install folder. */
export function nodeLlamaCppEntry(dir: string): string {
  return path.join(dir, 'node_modules', 'node-llama-cpp', 'dist', 'index.js');
}
