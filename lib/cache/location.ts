/**
 * Where slmlab keeps models: SLMLAB_CACHE_DIR, else $XDG_CACHE_HOME/slmlab, else ~/.cache/slmlab
 * (Windows: %LOCALAPPDATA%\slmlab; macOS: ~/Library/Caches/slmlab). One location, printed
 * by `slmlab cache location` and named in every error that involves it.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { envValue } from '../environment';

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = envValue('SLMLAB_CACHE_DIR', env), localAppData = envValue('LOCALAPPDATA', env), xdg = envValue('XDG_CACHE_HOME', env);
  if (own) return path.resolve(own);
  if (process.platform === 'win32' && localAppData) return path.join(localAppData, 'slmlab');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches', 'slmlab');
  if (xdg) return path.join(xdg, 'slmlab');
  return path.join(os.homedir(), '.cache', 'slmlab');
}

/** Folder for synthetic models built by `slmlab model build`. */
export function syntheticDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'synthetic');
}

/**
 * The cache's layout:
 *   <cacheDir>/models/<folder>          downloaded variants (and bring-your-own folders)
 *   <cacheDir>/synthetic/<syntheticId>  models built by synth/ (see syntheticDir)
 *   <cacheDir>/downloads/<folder>.partial  downloads in progress, resumable
 *   <cacheDir>/locks/<folder>.lock      one per variant being downloaded or built
 */
export function modelsDir(root: string = cacheDir()): string {
  return path.join(root, 'models');
}

export function downloadsDir(root: string = cacheDir()): string {
  return path.join(root, 'downloads');
}

export function locksDir(root: string = cacheDir()): string {
  return path.join(root, 'locks');
}

/**
 * Foundry Local's model cache (read only for slmlab): FOUNDRY_CACHE_DIR (slmlab's own
 * variable, not Foundry's), else Foundry's documented default ~/.foundry/cache/models
 * (https://github.com/microsoft/Foundry-Local, docs/reference; `foundry cache location` prints the one in use).
 */
export function foundryCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = envValue('FOUNDRY_CACHE_DIR', env);
  if (dir) return path.resolve(dir);
  return path.join(os.homedir(), '.foundry', 'cache', 'models');
}

/** Extra bring-your-own model roots: SLMLAB_MODEL_DIRS, separated like PATH (':' or ';' on Windows). */
export function extraModelDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = envValue('SLMLAB_MODEL_DIRS', env);
  if (!raw) return [];
  return raw.split(path.delimiter).map((d) => d.trim()).filter((d) => d.length > 0).map((d) => path.resolve(d));
}
