/**
 * `npm run jupyter`: Jupyter on 127.0.0.1 with the notebooks folder, using slmlab's own tslab
 * kernelspec (absolute paths; see kernelspec.ts). JupyterLab when installed (`pip install
 * jupyterlab`), else the classic notebook (Debian: apt-get install jupyter-notebook).
 *
 *   npm run jupyter                      # JupyterLab if present, else classic Notebook
 *   npm run jupyter -- --classic         # the classic Notebook
 *   npm run jupyter -- --port 8899       # default 8888 (Jupyter picks the next free one if taken)
 *   npm run kernel:install               # write the kernelspec for this user, for a Jupyter started anywhere
 */
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { scriptArgs } from '../../lib/util/argv';
import { jupyterEnv, projectJupyterPath, ROOT, userJupyterPath, writeKernelspec } from './kernelspec';

function has(args: string[]): boolean {
  const r = spawnSync('jupyter', args, { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

const ARGS = {
  name: 'jupyter',
  usage: 'node dist/scripts/notebooks/jupyter.js [options]  (npm run jupyter -- [options])',
  about: "Jupyter on 127.0.0.1 with the notebooks folder and slmlab's tslab kernelspec: JupyterLab when installed, else the classic Notebook.",
  options: {
    classic: { type: 'flag', help: 'the classic Notebook even when JupyterLab is installed' },
    port: { type: 'int', min: 1, max: 65535, default: 8888, help: 'the port (Jupyter picks the next free one if taken)' },
    'install-kernel': { type: 'flag', help: 'only write the kernelspec for this user, for a Jupyter started anywhere' },
  },
} as const;

function main(argv: string[]): number {
  const { values: o } = scriptArgs(ARGS, argv);
  if (o['install-kernel']) {
    const file = writeKernelspec(userJupyterPath());
    console.log(`wrote ${file}\n(the notebooks' "tslab" kernel now runs ${path.join(ROOT, 'node_modules', 'tslab')} with ${process.execPath}, from any Jupyter this user starts)`);
    return 0;
  }
  if (!has(['--version'])) {
    console.error('jupyter is not installed. Here (Debian/Ubuntu): apt-get install -y jupyter-notebook jupyter-nbconvert; or anywhere: pip install jupyterlab');
    return 2;
  }
  const file = writeKernelspec(projectJupyterPath());
  const port = o.port;
  const lab = !o.classic && has(['lab', '--version']);
  const args = [lab ? 'lab' : 'notebook', '--ip=127.0.0.1', `--port=${port}`, '--no-browser', `--notebook-dir=${path.join(ROOT, 'notebooks')}`];
  // Jupyter refuses to run as root without this (containers, classroom VMs often are root).
  if (process.getuid?.() === 0) args.push('--allow-root');
  console.log(`kernelspec: ${file}\nstarting: jupyter ${args.join(' ')}\n(open the http://127.0.0.1:... URL with its token printed below; Ctrl-C stops Jupyter)`);
  const child = spawn('jupyter', args, { stdio: 'inherit', env: jupyterEnv(), cwd: path.join(ROOT, 'notebooks') });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 1));
  return -1;
}

const rc = main(process.argv.slice(2));
if (rc >= 0) process.exitCode = rc;
