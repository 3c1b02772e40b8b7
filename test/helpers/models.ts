/**
 * Shared helpers for tests that need SLMLAB-built models: a fresh temp folder per test
 * file, tiny synthetic models built into it, file hashes, and raw ONNX Runtime feeds.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel, type BuildOptions, type BuildReport } from '../../lib/cache/build-model';

/** A fresh folder under the OS temp dir; remove it with `removeTempDir` in `after`. */
export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-test-'));
}

export function removeTempDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** Builds the `tiny` shape into `<root>/<name>` (fp32 unless told otherwise). */
export function buildTiny(root: string, name: string, opts: Partial<BuildOptions> = {}): Promise<BuildReport> {
  return buildModel({ shape: 'tiny', precision: 'fp32', ...opts, out: path.join(root, name) });
}

export function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Largest |a[i] - b[i]|; throws when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return NaN;
    if (d > m) m = d;
  }
  return m;
}

/** Copies a folder tree (models are small: a few hundred KB). */
export function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}
