/**
 * Run metadata: the machine and software a benchmark ran on (machineMetadata), and the
 * identity of a model's graph (modelFileHash). Plain JSON-serialisable records for the
 * results store's run record. The hostname is left out on purpose (privacy: results
 * files get shared in class).
 */
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Repository root: dist/lib/bench/metadata is four levels below it (the code runs from dist/). */
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

export interface MachineMetadata {
  cpuModel: string | null;
  logicalCores: number;
  ramBytes: number;
  os: { platform: string; release: string; type: string; arch: string };
  nodeVersion: string;
  onnxruntimeNodeVersion: string | null;
  slmlabVersion: string | null;
  /** `git rev-parse HEAD` of the slmlab checkout; null when it is not a git checkout (or git is absent). */
  gitCommit: string | null;
}

function readJsonVersion(file: string): string | null {
  try {
    const v = (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' ? v : null;
  } catch { return null; }
}

function onnxruntimeVersion(): string | null {
  try { return readJsonVersion(require.resolve('onnxruntime-node/package.json')); } catch { return null; }
}

function gitCommit(): string | null {
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).toString().trim();
    return /^[0-9a-f]{7,64}$/.test(out) ? out : null;
  } catch { return null; }
}

/** The machine and software this process runs on (no hostname, no user name). */
export function machineMetadata(): MachineMetadata {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model?.trim() || null,
    logicalCores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    ramBytes: os.totalmem(),
    os: { platform: process.platform, release: os.release(), type: os.type(), arch: process.arch },
    nodeVersion: process.version,
    onnxruntimeNodeVersion: onnxruntimeVersion(),
    slmlabVersion: readJsonVersion(path.join(ROOT, 'package.json')),
    gitCommit: gitCommit(),
  };
}

/** The graph file of a model folder: genai_config.json's decoder filename, else the only/first .onnx file. */
export function modelGraphFile(dir: string): string | null {
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'genai_config.json'), 'utf8')) as { model?: { decoder?: { filename?: unknown } } };
    const f = cfg.model?.decoder?.filename;
    if (typeof f === 'string' && fs.existsSync(path.join(dir, f))) return path.join(dir, f);
  } catch { /* no config: look for .onnx files */ }
  let names: string[];
  try { names = fs.readdirSync(dir).filter((n) => n.endsWith('.onnx')).sort(); } catch { return null; }
  return names.length ? path.join(dir, names[0]) : null;
}

/**
 * sha256 (hex) of the model's .onnx graph file, streamed; null when the folder has none.
 * Only the graph is hashed, not its external weights file (`.onnx.data`), which can be
 * gigabytes: the hash identifies the architecture/export and, for synthetic models whose
 * graph embeds its weights, the weights too. Two exports with identical graphs but
 * different external weights hash alike.
 */
export async function modelFileHash(dir: string): Promise<string | null> {
  const file = modelGraphFile(dir);
  if (!file) return null;
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
