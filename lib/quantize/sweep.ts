/**
 * A precision sweep, ready for class: one float model to fp16, int8 (both kernels) and int4 (block 32 and
 * 128, symmetric and asymmetric), each compared with the original: size, speed, KL, agreement.
 * Variants already quantised in `outDir` by an earlier sweep are reused. Fidelity is measured
 * per variant against the base; speed for all of them together, interleaved (speed.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectModelFolder } from '../engine/model-folder';
import { quantizeModel, type QuantizeModelOptions } from './quantize-model';
import { resolveSettings, settingsLabel, usesMatMulInteger, type QuantizeSettings } from './options';

const blockless = (s: QuantizeSettings) => s.precision === 'fp16' || usesMatMulInteger(s);
import { measureFidelityMany } from './compare-models';
import type { FidelitySummary } from './fidelity';
import { measureSpeed, modelBytes, type SpeedOptions } from './speed';
import { defaultTexts } from './texts';

export const SWEEP_VARIANTS: readonly Partial<QuantizeSettings>[] = [
  { precision: 'fp16' },
  { precision: 'int8', int8Kernel: 'matmulinteger' },
  { precision: 'int8', int8Kernel: 'matmulnbits', blockSize: 32 },
  { precision: 'int4', blockSize: 32, symmetric: true },
  { precision: 'int4', blockSize: 32, symmetric: false },
  { precision: 'int4', blockSize: 128, symmetric: true },
  { precision: 'int4', blockSize: 128, symmetric: false },
];

export interface SweepRow {
  variant: string;
  precision: string;
  blockSize: number | null;
  symmetric: boolean | null;
  dir: string;
  sizeBytes: number;
  /** size / base size */
  sizeRatio: number;
  loadMs: number;
  peakRssBytes: number;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  klMean: number;
  klP99: number;
  top1Agreement: number;
  top5Overlap: number;
  perplexity: number;
}

export interface PrecisionSweepOptions extends SpeedOptions {
  /** Where the variants are written (one folder per label). */
  outDir: string;
  variants?: readonly Partial<QuantizeSettings>[];
  texts?: string[];
  windowTokens?: number;
  /** Shared settings for every variant (exclude, accuracy level). */
  common?: Partial<QuantizeSettings>;
  onStep?: (message: string) => void;
  onProgress?: QuantizeModelOptions['onProgress'];
}

export async function precisionSweep(source: string, opts: PrecisionSweepOptions): Promise<SweepRow[]> {
  const base = inspectModelFolder(source);
  const texts = opts.texts ?? defaultTexts();
  const variants = (opts.variants ?? SWEEP_VARIANTS).map((v) => resolveSettings({ ...opts.common, ...v }));
  const dirs: string[] = [];
  for (const s of variants) {
    const label = settingsLabel(s);
    const dir = path.join(path.resolve(opts.outDir), label);
    if (fs.existsSync(path.join(dir, 'inference_model.json'))) {
      opts.onStep?.(`reusing ${label} (${dir})`);
    } else {
      opts.onStep?.(`quantising ${label}`);
      await quantizeModel({ source: base.dir, out: dir, ...s, name: `${base.name}-${label}`, force: true, onProgress: opts.onProgress });
    }
    dirs.push(dir);
  }
  opts.onStep?.('fidelity: the base once, then each variant');
  const fidelity: FidelitySummary[] = (await measureFidelityMany(base.dir, dirs, texts, opts.windowTokens, opts.threads,
    (dir) => opts.onStep?.(`fidelity of ${path.basename(dir)}`))).map((r) => r.summary);
  opts.onStep?.('timing every variant, interleaved');
  const models = [{ name: base.name, dir: base.dir }, ...variants.map((s, i) => ({ name: settingsLabel(s), dir: dirs[i] }))];
  const speed = await measureSpeed(models, opts);
  const baseSize = modelBytes(base.dir);
  const baseRow: SweepRow = {
    variant: `${base.name} (base)`, precision: 'base', blockSize: null, symmetric: null, dir: base.dir, sizeBytes: speed[0].sizeBytes, sizeRatio: 1,
    loadMs: speed[0].loadMs, peakRssBytes: speed[0].peakRssBytes, prefillTokensPerSecond: speed[0].prefillTokensPerSecond,
    decodeTokensPerSecond: speed[0].decodeTokensPerSecond, klMean: 0, klP99: 0, top1Agreement: 1, top5Overlap: 1, perplexity: fidelity[0]?.perplexityBase ?? NaN,
  };
  return [baseRow, ...variants.map((s, i): SweepRow => {
    const sp = speed[i + 1];
    const f = fidelity[i];
    return {
      variant: settingsLabel(s), precision: s.precision, blockSize: blockless(s) ? null : s.blockSize, symmetric: blockless(s) ? null : s.symmetric,
      dir: dirs[i], sizeBytes: sp.sizeBytes, sizeRatio: sp.sizeBytes / baseSize, loadMs: sp.loadMs, peakRssBytes: sp.peakRssBytes,
      prefillTokensPerSecond: sp.prefillTokensPerSecond, decodeTokensPerSecond: sp.decodeTokensPerSecond,
      klMean: f.klMean, klP99: f.klP99, top1Agreement: f.top1Agreement, top5Overlap: f.top5Overlap, perplexity: f.perplexityCandidate,
    };
  })];
}
