/**
 * The tslab kernelspec slmlab writes, with absolute paths (this Node, this checkout's tslab), so
 * any Jupyter started anywhere runs the kernel: no `tslab` on PATH needed. `tslab install` writes
 * a spec whose argv is a bare `tslab`, which works only where node_modules/.bin is on PATH.
 *
 *   writeKernelspec(projectKernelRoot())   // <repo>/.jupyter/kernels/tslab (npm run jupyter / notebooks)
 *   writeKernelspec(userKernelRoot())      // ~/.local/share/jupyter/kernels/tslab (npm run kernel:install)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { envValue } from '../../lib/environment';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const KERNEL_NAME = 'tslab';

/** The data folder to put first on JUPYTER_PATH: its kernels/ wins over every other kernelspec of that name. */
export function projectJupyterPath(): string { return path.join(ROOT, '.jupyter'); }

/** The user's Jupyter data folder (JUPYTER_DATA_DIR, else the platform default). */
export function userJupyterPath(env: NodeJS.ProcessEnv = process.env): string {
  const own = envValue('JUPYTER_DATA_DIR', env), appData = envValue('APPDATA', env);
  if (own) return path.resolve(own);
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Jupyter');
  if (process.platform === 'win32' && appData) return path.join(appData, 'jupyter');
  return path.join(envValue('XDG_DATA_HOME', env) ?? path.join(os.homedir(), '.local', 'share'), 'jupyter');
}

export interface KernelSpec { argv: string[]; display_name: string; language: string; env?: Record<string, string> }

export function kernelSpec(): KernelSpec {
  const tslab = path.join(ROOT, 'node_modules', 'tslab', 'bin', 'tslab');
  return {
    argv: [process.execPath, tslab, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript',
    language: 'typescript',
  };
}

/** Writes <jupyterPath>/kernels/tslab/kernel.json (atomically) and returns its path. */
export function writeKernelspec(jupyterPath: string): string {
  const dir = path.join(jupyterPath, 'kernels', KERNEL_NAME);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'kernel.json');
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(kernelSpec(), null, 2)}\n`);
  fs.renameSync(tmp, file);
  return file;
}

/** process.env with the project's kernelspec folder first on JUPYTER_PATH. */
export function jupyterEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const first = projectJupyterPath();
  const rest = envValue('JUPYTER_PATH', env);
  return { ...env, JUPYTER_PATH: rest ? `${first}${path.delimiter}${rest}` : first };
}
