/**
 * `slmlab engines add llama.cpp [--gpu vulkan|cuda]` and `slmlab engines remove llama.cpp`.
 *
 * Install: the npm registry is asked first (a few seconds at most), so an offline machine fails
 * at once with the fix; then `npm install --omit=optional --no-save --ignore-scripts --prefix
 * <dir>.partial-<pid> node-llama-cpp@<pin> <platform package>@<pin>` (pins.ts) with npm's
 * own progress lines passed on; then the install is verified in a child process by loading a
 * tiny GGUF (the `tiny` twin with fp16 scales, exported) and generating 4 tokens; only then is
 * the folder renamed into place, with a record (slmlab-engine.json) of what was installed, its
 * size, and the CPU build llama.cpp chose. node-llama-cpp's postinstall is not run: slmlab loads
 * it with build: 'never' and skipDownload: true (binding.ts), so it has nothing to do.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DownloadError, ProviderUnavailableError, UsageError } from '../../errors';
import { cacheDir } from '../../cache/location';
import { buildUnderLock } from '../../cache/build-locked';
import { exportGguf } from '../../gguf/export-gguf';
import { ENGINE_RECORD, llamaCppDir } from './location';
import { cpuPackage, gpuPackages, NODE_LLAMA_CPP_VERSION, type LlamaGpu } from './pins';

export interface EngineRecord {
  engine: 'llama.cpp';
  package: string;
  version: string;
  packages: string[];
  gpu: LlamaGpu | null;
  installedAt: string;
  bytes: number;
  installSeconds: number;
  /** The ggml CPU build llama.cpp loaded during verification (e.g. zen4, sapphirerapids). */
  cpuBuild: string | null;
  systemInfo: string;
  verified: { model: string; tokens: number[]; seconds: number };
}

export interface InstallOptions {
  gpu?: LlamaGpu;
  /** Cache root (default: cacheDir()). */
  root?: string;
  /** npm registry (default: $npm_config_registry, else https://registry.npmjs.org/). */
  registry?: string;
  onProgress?: (line: string) => void;
}

function registryUrl(o: InstallOptions): string {
  const r = o.registry ?? process.env.npm_config_registry ?? 'https://registry.npmjs.org/';
  return r.endsWith('/') ? r : r + '/';
}

/** Fails at once (8 s at most) when the registry cannot be reached, naming the fix. */
export async function checkRegistry(registry: string, pkg = 'node-llama-cpp'): Promise<void> {
  const url = `${registry}${pkg}/${NODE_LLAMA_CPP_VERSION}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(8000), headers: { accept: 'application/json' } });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    const why = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (e as Error).message;
    throw new DownloadError(`cannot reach the npm registry at ${registry} (${why}): connect this machine to the internet (or set npm_config_registry to a reachable mirror) and run \`slmlab engines add llama.cpp\` again`, 502, { url });
  }
  if (!res.ok) throw new DownloadError(`the npm registry answered ${res.status} for ${pkg}@${NODE_LLAMA_CPP_VERSION} at ${url}: check npm_config_registry, then run \`slmlab engines add llama.cpp\` again`, res.status, { url });
  await res.body?.cancel();
}

function folderBytes(dir: string): number {
  let total = 0;
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += fs.statSync(p).size;
    }
  };
  walk(dir);
  return total;
}

function npmCommand(): string {
  return process.platform === 'win32' ? 'npm.cmd' : 'npm';
}

function runNpm(args: string[], cwd: string, onLine: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(npmCommand(), args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    const tail: string[] = [];
    const feed = (buf: Buffer): void => {
      for (const l of buf.toString().split('\n')) {
        const line = l.trim();
        if (!line) continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        onLine(line);
      }
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('error', (e) => reject(new ProviderUnavailableError('llama.cpp', `cannot run npm (${e.message}): install Node.js with npm, then run \`slmlab engines add llama.cpp\` again`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new DownloadError(`npm install failed (exit ${code}): ${tail.slice(-3).join(' | ')}: check the network and disk space, then run \`slmlab engines add llama.cpp\` again`));
    });
  });
}

/** Builds (or reuses) the tiny twin with fp16 scales and exports it to `file`. */
async function tinyGguf(root: string, file: string): Promise<void> {
  const id = 'tiny-int4-b32-s16';
  const report = await buildUnderLock({ shape: 'tiny', scales: 'fp16', out: path.join(root, 'synthetic', id) }, { cacheDir: root });
  exportGguf(report.dir, { out: file, exact: true });
}

/** Runs verify-child.js on `dir` with `gguf`; returns its JSON record or throws with llama.cpp's reason. */
export function verifyInstall(dir: string, gguf: string): { cpuBuild: string | null; tokens: number[]; systemInfo: string; seconds: number } {
  const child = spawnSync(process.execPath, [path.join(__dirname, 'verify-child.js'), dir, gguf], { encoding: 'utf8', timeout: 180_000 });
  const line = (child.stdout ?? '').trim().split('\n').pop() ?? '';
  let rec: { ok?: boolean; error?: string; cpuBuild?: string | null; tokens?: number[]; systemInfo?: string; seconds?: number } = {};
  try { rec = JSON.parse(line) as typeof rec; } catch { /* reported below */ }
  if (!rec.ok || !rec.tokens || rec.tokens.length === 0) {
    const why = rec.error ?? (child.signal ? `killed by ${child.signal}` : (child.stderr ?? '').trim().split('\n').slice(-2).join(' | ') || `exit ${child.status}`);
    throw new ProviderUnavailableError('llama.cpp', `the installed llama.cpp engine did not load a tiny GGUF (${why}): run \`slmlab engines remove llama.cpp\`, then \`slmlab engines add llama.cpp\`; if it fails again this CPU or OS has no prebuilt node-llama-cpp ${NODE_LLAMA_CPP_VERSION} binary`);
  }
  return { cpuBuild: rec.cpuBuild ?? null, tokens: rec.tokens, systemInfo: rec.systemInfo ?? '', seconds: rec.seconds ?? 0 };
}

/** Installs node-llama-cpp into <cache>/engines/llama.cpp (replacing an earlier install) and verifies it. */
export async function installLlamaCpp(o: InstallOptions = {}): Promise<EngineRecord> {
  const started = Date.now();
  const root = path.resolve(o.root ?? cacheDir());
  const dir = llamaCppDir(o.root);
  const say = o.onProgress ?? (() => undefined);
  const cpu = cpuPackage();
  if (!cpu) throw new ProviderUnavailableError('llama.cpp', `node-llama-cpp ${NODE_LLAMA_CPP_VERSION} publishes no prebuilt binary for ${process.platform}-${process.arch}: use the onnxruntime engine here`);
  let packages = [cpu];
  if (o.gpu) {
    const g = gpuPackages(o.gpu);
    if (!g) throw new UsageError(`node-llama-cpp publishes no ${o.gpu} build for ${process.platform}-${process.arch}: leave out --gpu (CPU build)`);
    packages = [...packages, ...g];
  }
  const registry = registryUrl(o);
  say(`checking the npm registry at ${registry}`);
  await checkRegistry(registry);

  const tmp = `${dir}.partial-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'slmlab-engine-llama-cpp', private: true, description: 'installed by `slmlab engines add llama.cpp`' }, null, 2) + '\n');
    const specs = ['node-llama-cpp', ...packages].map((p) => `${p}@${NODE_LLAMA_CPP_VERSION}`);
    say(`npm install ${specs.join(' ')} (into ${dir})`);
    await runNpm(['install', '--omit=optional', '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund',
      '--loglevel', 'http', '--registry', registry, '--prefix', tmp, ...specs], tmp, (l) => {
      const m = /GET (\d+) (\S+)/.exec(l);
      if (m) say(`  fetched ${decodeURIComponent(m[2].replace(registry, ''))}`);
    });
    const installSeconds = (Date.now() - started) / 1000;
    say('verifying: loading a tiny GGUF with llama.cpp');
    const gguf = path.join(tmp, 'verify-tiny.gguf');
    await tinyGguf(root, gguf);
    const v = verifyInstall(tmp, gguf);
    const record: EngineRecord = {
      engine: 'llama.cpp', package: 'node-llama-cpp', version: NODE_LLAMA_CPP_VERSION, packages, gpu: o.gpu ?? null,
      installedAt: new Date().toISOString(), bytes: folderBytes(tmp), installSeconds,
      cpuBuild: v.cpuBuild, systemInfo: v.systemInfo,
      verified: { model: 'tiny (fp16 scales) exported to GGUF', tokens: v.tokens, seconds: v.seconds },
    };
    fs.writeFileSync(path.join(tmp, ENGINE_RECORD), JSON.stringify(record, null, 2) + '\n');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    return record;
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Removes the llama.cpp engine folder; returns false when it was not installed. */
export function removeLlamaCpp(root?: string): boolean {
  const dir = llamaCppDir(root);
  if (!fs.existsSync(dir)) return false;
  fs.rmSync(dir, { recursive: true, force: true });
  return true;
}
