/**
 * `slmlab model export <model> --gguf [--out F] [--exact]`: the ONNX model as a GGUF file for
 * llama.cpp with the same quantised values (lib/gguf/export-gguf.ts).
 */
import type { Command } from 'commander';
import { exportGguf } from '../../lib/gguf';
import { locateModel } from '../../lib/registry/locate-model';
import { UsageError } from '../../lib/errors';
import { fail } from './exit-codes';

export function registerModelExport(model: Command): void {
  model
    .command('export')
    .description('export a model to another engine\'s format: --gguf writes a GGUF for llama.cpp with the same quantised weights')
    .argument('<model>', 'a model folder, catalog alias or cached id (int4 twins: build with --scales fp16 for an exact copy)')
    .option('--gguf', 'write GGUF (llama.cpp); the only format so far')
    .option('--out <file>', 'the .gguf file (default: <model folder>/model.gguf)')
    .option('--exact', 'refuse instead of rounding scales that are not fp16 numbers')
    .option('--json', 'print the export report as JSON')
    .addHelpText('after', '\nExample:\n  slmlab model build qwen2.5-0.5b --scales fp16\n  slmlab model export <cache>/synthetic/qwen2.5-0.5b-int4-b32-s16 --gguf --out qwen.gguf')
    .action(async (name: string, o: { gguf?: boolean; out?: string; exact?: boolean; json?: boolean }) => {
      try {
        if (!o.gguf) throw new UsageError('name the format: --gguf (the only export format so far)');
        const located = await locateModel(name);
        const report = exportGguf(located.dir, {
          out: o.out, exact: o.exact,
          onProgress: o.json ? undefined : (p) => { if (p.index % 20 === 0 || p.index === p.total - 1) process.stderr.write(`\rwriting tensor ${p.index + 1}/${p.total}`); },
        });
        if (!o.json) process.stderr.write('\n');
        if (o.json) { process.stdout.write(JSON.stringify(report, null, 2) + '\n'); return; }
        // Parts of a fused tensor (phi3's attn_qkv[q], ...) are recorded each; count the tensor once.
        const tensorTypes = new Map<string, string>();
        for (const c of report.conversions) tensorTypes.set(c.tensor.replace(/\[[a-z]+\]$/, ''), c.to);
        const types = new Map<string, number>();
        for (const t of tensorTypes.values()) types.set(t, (types.get(t) ?? 0) + 1);
        process.stdout.write(`wrote ${report.file} (${(report.bytes / 1e6).toFixed(1)} MB, ${report.tensors} tensors: ${[...types].map(([t, n]) => `${n} ${t}`).join(', ')}) in ${report.seconds.toFixed(1)} s\n`);
        process.stdout.write(report.exact ? 'exact: every weight equals the ONNX model\'s\n' : 'not exact:\n');
        for (const c of report.changes) process.stdout.write(`  - ${c}\n`);
      } catch (e) {
        fail(e);
      }
    });
}
