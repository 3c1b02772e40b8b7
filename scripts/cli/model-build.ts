/** `slmlab model build <shape>`: builds a synthetic model folder offline. */
import type { Command } from 'commander';
import { buildUnderLock } from '../../lib/cache/build-locked';
import { BLOCK_SIZES, PRECISIONS, type Precision } from '../../lib/synth/write-model';
import type { BuildOptions, BuildReport } from '../../lib/cache/build-model';
import { SHAPES, shapeNames } from '../../lib/synth/shapes';
import { integer, oneOf } from './parse';
import { buildSummary } from './format';
import { progressBar } from './progress-bar';
import { fail } from './exit-codes';
import { ENCODER_SHAPES, buildEncoderModel } from '../../lib/synth/encoder';
import { modelsDir } from '../../lib/cache/location';
import * as path from 'node:path';

/** An embedding twin (lib/synth/encoder.ts) into --out, else <cache>/models/<shape>, where the service finds it as one of your models. */
async function buildEmbedding(shape: string, o: { seed: number; out?: string; json?: boolean }): Promise<void> {
  const started = performance.now();
  const r = await buildEncoderModel({ shape, seed: o.seed, out: o.out ?? path.join(modelsDir(), shape) });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(o.json ? JSON.stringify({ dir: r.dir, shape: r.shape.name, task: 'embeddings', bytes: r.bytes, seconds }, null, 2) + '\n'
    : `built the synthetic embedding model ${r.shape.name} in ${seconds.toFixed(1)} s: ${r.dir} (${(r.bytes / 1e6).toFixed(1)} MB; serve it with \`slmlab service start\` and POST /v1/embeddings)\n`);
}

/** Builds with a terminal progress bar on stderr when it is a TTY. */
export async function buildWithProgress(options: BuildOptions, quiet = false): Promise<BuildReport> {
  const bar = progressBar('building', quiet);
  try {
    return await buildUnderLock({ ...options, onProgress: (p) => bar.update(p.doneBytes, p.totalBytes, p.tensor) }, {
      onWait: (holder) => { if (!quiet) process.stderr.write(`slmlab: another build of this model is running${holder ? ` (pid ${holder.pid})` : ''}: waiting for it\n`); },
    });
  } finally {
    bar.stop();
  }
}

export function registerModelBuild(model: Command): void {
  model
    .command('build')
    .description('build a synthetic model offline: real architecture and size, seeded random weights')
    .argument('<shape>', `model shape: ${shapeNames().join(', ')}`)
    .option('--precision <p>', `weights: ${PRECISIONS.join(', ')}`, oneOf('--precision', PRECISIONS), 'int4' as Precision)
    .option('--block-size <n>', `int4 quantisation block: ${BLOCK_SIZES.join(', ')}`, integer('--block-size', 16, 256), 32)
    .option('--accuracy-level <n>', 'int4 MatMulNBits accuracy_level: 0 exact float, 4 int8 activations (fast)', integer('--accuracy-level', 0, 4), 4)
    .option('--seed <n>', 'weights seed: same shape, precision and seed give byte-identical files', integer('--seed', 0, 0xffffffff), 0)
    .option('--layout <layout>', 'genai (ONNX Runtime GenAI / Foundry) or optimum (Hugging Face / transformers.js)', oneOf('--layout', ['genai', 'optimum'] as const), 'genai')
    .option('--builder <style>', 'classic (model.onnx_data, float embedding) or v0.15 (ONNX Runtime GenAI builder >= 0.15: model.onnx.data; tied models embed from the lm_head weight: one shared int4 matrix at int4, Transpose + Gather at fp32/fp16)', oneOf('--builder', ['classic', 'v0.15'] as const), 'classic')
    .option('--logits <mode>', 'all (every position, as the real model) or last (last position only: faster prefill, not the real graph)', oneOf('--logits', ['all', 'last'] as const), 'all')
    .option('--scales <type>', 'int4 block scales: fp32 (the builder\'s) or fp16 (exact in GGUF Q4_0, for `slmlab model export --gguf`; id suffix -s16)', oneOf('--scales', ['fp32', 'fp16'] as const), 'fp32')
    .option('--threads <n>', 'worker threads filling the weights (default: one per core, up to 4)', integer('--threads', 1, 64))
    .option('--out <dir>', 'destination folder (default: <cache>/synthetic/<id>)')
    .option('--force', 'replace the destination if it exists')
    .option('--json', 'print the build report as JSON')
    .addHelpText('after', `\nShapes:\n${shapeNames().map((n) => `  ${n.padEnd(14)} ${SHAPES[n].twinOf ?? 'tiny test model'} (${SHAPES[n].layers} layers, hidden ${SHAPES[n].hidden}, vocab ${SHAPES[n].vocab})`).join('\n')}` +
      `\nEmbedding shapes (fp32 encoders for POST /v1/embeddings; only --seed, --out and --json apply):\n${Object.values(ENCODER_SHAPES).map((e) => `  ${e.name.padEnd(16)} ${e.twinOf ?? 'tiny test model'} (${e.layers} layers, hidden ${e.hidden})`).join('\n')}\n\nExample:\n  slmlab model build qwen2.5-0.5b --precision int4 --block-size 32`)
    .action(async (shape: string, o: { precision: Precision; blockSize: number; accuracyLevel: number; seed: number; layout: 'genai' | 'optimum'; builder: 'classic' | 'v0.15'; logits: 'all' | 'last'; scales: 'fp32' | 'fp16'; threads?: number; out?: string; force?: boolean; json?: boolean }) => {
      try {
        if (shape in ENCODER_SHAPES) { await buildEmbedding(shape, o); return; }
        const report = await buildWithProgress({ shape, precision: o.precision, blockSize: o.blockSize, accuracyLevel: o.accuracyLevel, seed: o.seed, layout: o.layout, builder: o.builder, logits: o.logits, scales: o.scales, threads: o.threads, out: o.out, force: o.force }, o.json);
        if (report.repaired && !o.json) process.stderr.write(`slmlab: the existing build was damaged (${report.repaired}): rebuilt it\n`);
        process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : buildSummary(report) + '\n');
      } catch (e) {
        fail(e);
      }
    });
}
