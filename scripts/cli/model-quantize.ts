/**
 * `slmlab model quantize <folder|name> --out <folder>`: int4 / int8 / fp16 copies of a float
 * decoder, registered for slmlab and Foundry Local (see lib/quantize/).
 */
import type { Command } from 'commander';
import { INT8_KERNELS, quantizeModel, QUANT_BLOCK_SIZES, QUANT_PRECISIONS, QUANT_TARGETS, type Int8Kernel, type QuantizeReport, type QuantPrecision, type QuantTarget } from '../../lib/quantize';
import { locateModel } from '../../lib/registry/locate-model';
import { textTable } from '../../lib/util/text-table';
import { bytes } from './format';
import { collect, integer, oneOf } from './parse';
import { progressBar } from './progress-bar';
import { fail } from './exit-codes';

interface Opts {
  out?: string; precision: QuantPrecision; blockSize: number; asymmetric?: boolean; accuracyLevel?: number; ep?: QuantTarget; exclude: string[]; int8Kernel: Int8Kernel; embeddings?: boolean;
  name?: string; register?: boolean; dryRun?: boolean; force?: boolean; verify: boolean; json?: boolean; onnxFile?: string;
}

export function registerModelQuantize(model: Command): void {
  model
    .command('quantize')
    .description('quantise a float (fp32/fp16) ONNX decoder to int4 or int8 (MatMulNBits) or fp16, and register it')
    .argument('<model>', 'a model folder, or the name of a cached or bring-your-own model')
    .option('--out <dir>', 'destination folder (default with --register: <cache>/models/<name>)')
    .option('--precision <p>', `${QUANT_PRECISIONS.join(', ')}`, oneOf('--precision', QUANT_PRECISIONS), 'int4' as QuantPrecision)
    .option('--block-size <n>', `int4/int8 elements per scale: ${QUANT_BLOCK_SIZES.join(', ')}`, integer('--block-size', 16, 128), 32)
    .option('--asymmetric', 'int4/int8: a zero point per block (default: symmetric)')
    .option('--ep <provider>', `the execution provider the model is for: ${QUANT_TARGETS.join(', ')} (default cpu); sets the accuracy_level as ONNX Runtime GenAI's builder does (4 on cpu/webgpu, 0 on cuda) and genai_config.json's provider`, oneOf('--ep', QUANT_TARGETS))
    .option('--accuracy-level <n>', 'MatMulNBits accuracy_level: 0 float activations (exact), 4 int8 activations (fast on CPU); default from --ep', integer('--accuracy-level', 0, 4))
    .option('--int8-kernel <k>', 'int8 only: matmulinteger (DynamicQuantizeLinear + MatMulInteger, per-column scales; faster here) or matmulnbits (8-bit MatMulNBits blocks)', oneOf('--int8-kernel', INT8_KERNELS), 'matmulinteger' as Int8Kernel)
    .option('--embeddings', 'int4/int8: also quantise the token embedding (GatherBlockQuantized, same bits and block, explicit zero points); a tied embedding in the builder v0.15 form is shared with lm_head anyway')
    .option('--exclude <pattern>', 'leave matching MatMul nodes or weights in float (repeatable; * is a wildcard), e.g. lm_head', collect, [])
    .option('--name <name>', "the model's name (inference_model.json Name; default <source>-<precision label>)")
    .option('--register', 'make it visible to `slmlab cache list`, `model list` and `model run <name>`')
    .option('--dry-run', 'show what would be quantised and the sizes before and after; write nothing')
    .option('--force', 'replace the destination (and a registered model of the same name)')
    .option('--no-verify', 'skip loading the result in ONNX Runtime before it is put in place')
    .option('--onnx-file <file>', 'in an Optimum folder with several .onnx files, which one')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', `
Examples:
  slmlab model build qwen2.5-0.5b --precision fp32
  slmlab model quantize <cache>/synthetic/qwen2.5-0.5b-fp32 --precision int4 --block-size 32 --register --name qwen-int4
  slmlab model quantize ./my-model --precision int8 --exclude lm_head --out ./my-model-int8 --dry-run`)
    .action(async (name: string, o: Opts) => {
      const bar = progressBar('quantising', o.json || o.dryRun);
      // Ctrl-C stops at the next band; the partial output is removed before exiting (130).
      const interrupt = new AbortController();
      process.once('SIGINT', () => interrupt.abort());
      try {
        const located = await locateModel(name);
        const report = await quantizeModel({
          source: located.dir, out: o.out, precision: o.precision, blockSize: o.blockSize, symmetric: !o.asymmetric,
          accuracyLevel: o.accuracyLevel, target: o.ep, exclude: o.exclude, int8Kernel: o.int8Kernel, embeddings: o.embeddings, name: o.name, register: o.register, dryRun: o.dryRun,
          force: o.force, verify: o.verify, onnxFile: o.onnxFile,
          onProgress: (p) => bar.update(p.doneBytes, p.totalBytes, p.tensor), signal: interrupt.signal,
        });
        bar.stop();
        process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : quantizeSummary(report) + '\n');
      } catch (e) {
        bar.stop();
        fail(e);
      }
    });
}

export function quantizeSummary(r: QuantizeReport): string {
  const p = r.plan;
  const lines: string[] = [];
  const kernel = r.label === 'int8-dynamic' ? 'DynamicQuantizeLinear + MatMulInteger' : 'MatMulNBits';
  const what = r.settings.precision === 'fp16' ? `${p.quantizedCount} float32 tensors -> float16`
    : `${p.decisions.filter((d) => d.kind === 'matmul' && d.action === 'quantize').length} MatMul weights -> ${kernel} ${r.label}, ${p.keptCount} left in float`;
  lines.push(`${r.dryRun ? 'dry run: would quantise' : 'quantised'} ${r.source.dir} (${r.source.onnx}): ${what}`);
  const emb = p.decisions.filter((d) => d.kind === 'embedding' && d.action === 'quantize');
  if (emb.length) lines.push(`  embedding   ${emb.map((d) => d.sharedWith ? `${d.node} (tied: reads ${d.weight} quantised once for ${d.sharedWith.matmul})` : d.weight).join(', ')} -> GatherBlockQuantized`);
  lines.push(`  weights     ${bytes(p.bytesBefore)} -> ${bytes(p.bytesAfter)} (${(p.bytesAfter / p.bytesBefore * 100).toFixed(1)} %)`);
  const kept = p.decisions.filter((d) => d.action === 'keep');
  const padded = p.decisions.filter((d) => d.padded);
  if (kept.length) lines.push('  left float', textTable(['node', 'weight', 'K x N', 'why'], kept.map((d) => [d.node, d.weight, `${d.K} x ${d.N}`, d.reason ?? ''])).replace(/^/gm, '    '));
  for (const w of p.warnings) lines.push(`  warning     ${w}`);
  if (padded.length) lines.push(`  padded      ${padded.length} weights whose K is not a multiple of ${r.settings.blockSize} (last block zero-padded)`);
  if (r.dryRun) {
    lines.push('  nothing was written (--dry-run)');
    return lines.join('\n');
  }
  lines.push(`  folder      ${r.dir}`);
  lines.push(`  size        ${bytes(r.totalBytes)} in ${r.files.length} files`);
  lines.push(`  name        ${r.name}${r.registered ? ` (registered: ${r.registered})` : ''}`);
  lines.push(`  time        ${r.seconds.toFixed(1)} s, peak memory ${bytes(r.peakRssBytes)}${r.verified ? ', loads in ONNX Runtime' : ''}`);
  if (r.noGenaiConfig) lines.push(`  note        no genai_config.json, so ONNX Runtime GenAI and Foundry Local cannot run this folder: ${r.noGenaiConfig}`);
  if (r.registered) lines.push(`  run it      slmlab model run ${r.name} --prompt "Hello"`);
  return lines.join('\n');
}
