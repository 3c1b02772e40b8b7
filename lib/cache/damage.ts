/**
 * Is a cached model damaged? A model counts as good only when its folder still holds what its
 * completion record says (every file present, with its recorded size; with `hash`, its
 * recorded SHA-256 too) and every external-data reference of its .onnx files lies inside its
 * file (onnx/external-data-check.ts): a truncated `model.onnx_data` would kill the process
 * that maps it with SIGBUS. `cache list` reports the first problem; `model download` and
 * `model build` repair what this finds.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkExternalData } from '../onnx/external-data-check';
import type { CompletionRecord } from './completion';
import { walkFiles } from './files';

export interface DamageOptions {
  /** Also recompute each file's SHA-256 where the record has one (reads every byte). */
  hash?: boolean;
}

function sha256File(file: string): string {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4 * 1024 * 1024);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** The files of `record` that are missing, of another size, or (with `hash`) of other bytes. */
export function damagedFiles(dir: string, record: CompletionRecord, opts: DamageOptions = {}): { path: string; problem: string }[] {
  const out: { path: string; problem: string }[] = [];
  for (const f of record.files) {
    const file = path.join(dir, f.path);
    let size: number;
    try { size = fs.statSync(file).size; } catch { out.push({ path: f.path, problem: `${f.path} is missing` }); continue; }
    if (size !== f.size) { out.push({ path: f.path, problem: `${f.path} is ${size} bytes, ${f.size} when it was ${record.source.kind === 'synthetic' ? 'built' : 'downloaded'}` }); continue; }
    if (opts.hash && f.sha256 && sha256File(file) !== f.sha256) out.push({ path: f.path, problem: `${f.path} does not match the SHA-256 recorded when it was downloaded` });
  }
  return out;
}

/** The first problem with the model in `dir` (null: intact). `record` null: only external data is checked. */
export function findDamage(dir: string, record: CompletionRecord | null, opts: DamageOptions = {}): string | null {
  if (record) {
    const bad = damagedFiles(dir, record, opts);
    if (bad.length) return bad[0].problem + (bad.length > 1 ? ` (and ${bad.length - 1} more)` : '');
  }
  for (const f of walkFiles(dir)) {
    if (!f.path.endsWith('.onnx')) continue;
    const problems = checkExternalData(path.join(dir, f.path), dir);
    if (problems.length) return problems[0].message;
  }
  return null;
}
