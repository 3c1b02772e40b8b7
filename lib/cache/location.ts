/**
 * Where slmlab keeps models: SLMLAB_CACHE_DIR, else $XDG_CACHE_HOME/slmlab, else ~/.cache/slmlab
 * (Windows: %LOCALAPPDATA%\slmlab; macOS: ~/Library/Caches/slmlab). One location, printed
 * by `slmlab cache location` and named in every error that involves it.
 */
import * as os from 'node:os';
import * as path from 'node:path';

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SLMLAB_CACHE_DIR) return path.resolve(env.SLMLAB_CACHE_DIR);
  if (process.platform === 'win32' && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, 'slmlab');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches', 'slmlab');
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'slmlab');
  return path.join(os.homedir(), '.cache', 'slmlab');
}

/** Folder for synthetic models built by `slmlab model build`. */
export function syntheticDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'synthetic');
}
