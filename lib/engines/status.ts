/**
 * Which inference engines run here: onnxruntime (built in: onnxruntime-node) and llama.cpp
 * (on demand: `slmlab engines add llama.cpp`, lib/engines/llama-cpp/install.ts). Read from
 * the install record, so listing costs no model load; `slmlab engines add` re-verifies.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENGINE_RECORD, llamaCppDir, nodeLlamaCppEntry } from './llama-cpp/location';
import type { EngineRecord } from './llama-cpp/install';

export type EngineName = 'onnxruntime' | 'llama.cpp';
export const ENGINE_NAMES: readonly EngineName[] = ['onnxruntime', 'llama.cpp'];

export interface EngineStatus {
  name: EngineName;
  usable: boolean;
  version: string | null;
  /** Where it is installed. */
  dir: string | null;
  bytes: number | null;
  /** llama.cpp: the ggml CPU build it loaded when verified (e.g. zen4). */
  cpuBuild: string | null;
  detail: string;
  /** When not usable: why, and the one-line fix. */
  reason?: string;
  fix?: string;
}

function onnxRuntimeVersion(): string | null {
  try {
    const file = require.resolve('onnxruntime-node/package.json');
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? null;
  } catch { return null; }
}

export function llamaCppRecord(root?: string): EngineRecord | null {
  const dir = llamaCppDir(root);
  try {
    const rec = JSON.parse(fs.readFileSync(path.join(dir, ENGINE_RECORD), 'utf8')) as EngineRecord;
    return fs.existsSync(nodeLlamaCppEntry(dir)) ? rec : null;
  } catch { return null; }
}

export function llamaCppStatus(root?: string): EngineStatus {
  const dir = llamaCppDir(root);
  const rec = llamaCppRecord(root);
  if (!rec) {
    return {
      name: 'llama.cpp', usable: false, version: null, dir: null, bytes: null, cpuBuild: null, detail: 'not installed',
      reason: `the llama.cpp engine is not installed (looked in ${dir})`,
      fix: 'run `slmlab engines add llama.cpp` (downloads node-llama-cpp and its CPU build from the npm registry, about 85 MB)',
    };
  }
  return {
    name: 'llama.cpp', usable: true, version: rec.version, dir, bytes: rec.bytes, cpuBuild: rec.cpuBuild,
    detail: `node-llama-cpp ${rec.version}${rec.gpu ? ` + ${rec.gpu}` : ''}, CPU build ${rec.cpuBuild ?? 'unknown'}`,
  };
}

export function engineStatuses(root?: string): EngineStatus[] {
  const ort = onnxRuntimeVersion();
  return [
    { name: 'onnxruntime', usable: ort !== null, version: ort, dir: null, bytes: null, cpuBuild: null, detail: `onnxruntime-node ${ort ?? '?'} (built in)` },
    llamaCppStatus(root),
  ];
}
