/**
 * Finding a running Foundry Local (legacy CLI) the way its own JS SDK does: run
 * `foundry service status` and take the first `http://host:port` in what it prints, e.g.
 *
 *   🟢 Model management service is running on http://127.0.0.1:5273/openai/status
 *
 * The port changes on every start (Foundry Local #424), so it is never guessed. No `foundry` on
 * PATH, a status that names no URL (the service is stopped), a failing or hanging command: all
 * mean "no Foundry Local here" (null), never an error. This does not start the service.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { envValue } from '../environment';

/** scheme://host:port, host a name, an IPv4 address or a bracketed IPv6 address; the path is left off. */
const SERVICE_URL = /https?:\/\/(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}/;

export interface FoundryStatus {
  /** http://host:port as printed (no path), or null when the output names none. */
  url: string | null;
  binary: string;
  output: string;
}

/** The first service URL in `foundry service status` output, or null. */
export function parseFoundryStatus(output: string): string | null {
  return output.match(SERVICE_URL)?.[0] ?? null;
}

/** The `foundry` executable on env.PATH (foundry.exe etc. per PATHEXT on Windows), or null. */
export function findFoundryBinary(env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = (envValue('PATH', env) ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  const exts = process.platform === 'win32' ? (envValue('PATHEXT', env) ?? '.EXE;.CMD;.BAT').split(';').filter(Boolean) : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const file = path.join(dir, 'foundry' + ext);
      try {
        const st = fs.statSync(file);
        if (!st.isFile()) continue;
        if (process.platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/**
 * Runs `foundry service status` (killed after `timeoutMs`, default 5 s). Null when there is no
 * `foundry` binary or it could not be run; otherwise what it printed and the URL in it, if any.
 */
export function foundryServiceStatus({ env = process.env, timeoutMs = 5000 }: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<FoundryStatus | null> {
  const binary = findFoundryBinary(env);
  if (!binary) return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile(binary, ['service', 'status'], { env, timeout: timeoutMs, killSignal: 'SIGKILL', windowsHide: true, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        // A non-zero exit can still print the status (older CLIs exit 1 when stopped): read it anyway.
        const output = `${stdout ?? ''}\n${stderr ?? ''}`.trim();
        if (err && (err as { killed?: boolean }).killed) return resolve({ url: null, binary, output: `${output}\n(timed out after ${timeoutMs} ms)`.trim() });
        resolve({ url: parseFoundryStatus(output), binary, output });
      });
  });
}
