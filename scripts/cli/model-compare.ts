/**
 * `slmlab model compare <base> <candidate>` (fidelity and speed of a quantised copy) and
 * `slmlab model sweep <model>` (fp16, int8, int4 b32/b128 sym/asym in one table).
 */
import type { Command } from 'commander';
import { compareModels, formatComparison, formatSweepTable, precisionSweep, textsFromFile } from '../../lib/quantize';
import { locateModel } from '../../lib/registry/locate-model';
import { compareEngines } from '../../lib/engines/compare-engines';
import { integer } from './parse';
import { progressBar } from './progress-bar';
import { fail } from './exit-codes';

interface CommonOpts { text?: string; window: number; rounds: number; prefill: number; decode: number; threads: number; json?: boolean }

function common(cmd: Command): Command {
  return cmd
    .option('--text <file>', 'text to compare on: paragraphs separated by blank lines (default: workshop prompts + shipped paragraphs)')
    .option('--window <n>', 'tokens per teacher-forced window', integer('--window', 2, 4096), 128)
    .option('--rounds <n>', 'timing rounds per model, interleaved (medians are reported)', integer('--rounds', 1, 50), 3)
    .option('--prefill <n>', 'prompt tokens per timing round', integer('--prefill', 1, 8192), 128)
    .option('--decode <n>', 'generated tokens per timing round', integer('--decode', 1, 4096), 32)
    .option('--threads <n>', 'ONNX Runtime intra-op threads (0: one per core)', integer('--threads', 0, 256), 0)
    .option('--json', 'print the records as JSON');
}

export function registerModelCompare(model: Command): void {
  common(model
    .command('compare')
    .description('fidelity of a candidate (e.g. a quantised copy) to a base model: KL, top-1/top-5 agreement, perplexity; plus size, load time, memory and speed')
    .argument('<base>', 'the reference model (folder or name)')
    .argument('<candidate>', 'the model to compare with it (folder or name), or a .gguf of the same weights: then both engines are compared (KL, top-1 of ONNX Runtime vs llama.cpp)'))
    .option('--no-speed', 'skip the timing rounds')
    .addHelpText('after', '\nExample:\n  slmlab model compare <cache>/synthetic/qwen2.5-0.5b-fp32 qwen-int4')
    .action(async (base: string, candidate: string, o: CommonOpts & { speed: boolean }) => {
      try {
        // issue 23: an ONNX model against a GGUF of the same weights: the two engines' logits
        if (candidate.toLowerCase().endsWith('.gguf')) {
          const located = await locateModel(base);
          const r = await compareEngines(located.dir, candidate, { texts: o.text ? textsFromFile(o.text) : undefined, windowTokens: o.window === 128 ? 64 : o.window, threads: o.threads || 1 });
          const s = r.summary;
          process.stdout.write(o.json ? JSON.stringify({ ...r, positions: undefined }, null, 2) + '\n'
            : `engines: onnxruntime (${r.onnx}) vs llama.cpp ${r.cpuBuild ?? ''} (${r.gguf}), teacher-forced, ${r.windows} windows, ${s.positions} positions\n` +
              `KL(ORT || llama.cpp): mean ${s.klMean.toExponential(2)}, p99 ${s.klP99.toExponential(2)}, max ${s.klMax.toExponential(2)}\n` +
              `top-1 agreement ${(100 * s.top1Agreement).toFixed(1)} %, top-5 overlap ${(100 * s.top5Overlap).toFixed(1)} %, perplexity ${s.perplexityBase.toFixed(2)} vs ${s.perplexityCandidate.toFixed(2)}\n`);
          return;
        }
        const record = await compareModels(base, candidate, {
          texts: o.text ? textsFromFile(o.text) : undefined, windowTokens: o.window, speed: o.speed,
          rounds: o.rounds, prefillTokens: o.prefill, decodeTokens: o.decode, threads: o.threads,
          onSample: o.json ? undefined : (m, r) => process.stderr.write(`timing ${m} (round ${r + 1}/${o.rounds})\n`),
        });
        process.stdout.write(o.json ? JSON.stringify(record, null, 2) + '\n' : formatComparison(record) + '\n');
      } catch (e) {
        fail(e);
      }
    });

  common(model
    .command('sweep')
    .description('quantise one float model to fp16, int8 and int4 (block 32/128, sym/asym) and tabulate size, speed, KL and agreement')
    .argument('<model>', 'an fp32 (or fp16) model folder or name')
    .requiredOption('--out <dir>', 'folder for the variants (reused by later sweeps)'))
    .option('--exclude <pattern>', 'leave matching MatMuls in float in every variant', (v: string, p: string[] = []) => [...p, v], [] as string[])
    .addHelpText('after', '\nExample:\n  slmlab model build qwen2.5-0.5b --precision fp32\n  slmlab model sweep <cache>/synthetic/qwen2.5-0.5b-fp32 --out ./sweep')
    .action(async (name: string, o: CommonOpts & { out: string; exclude: string[] }) => {
      const bar = progressBar('quantising', o.json);
      try {
        const located = await locateModel(name);
        const rows = await precisionSweep(located.dir, {
          outDir: o.out, texts: o.text ? textsFromFile(o.text) : undefined, windowTokens: o.window, common: { exclude: o.exclude },
          rounds: o.rounds, prefillTokens: o.prefill, decodeTokens: o.decode, threads: o.threads,
          onStep: (m) => { bar.stop(); if (!o.json) process.stderr.write(`${m}\n`); },
          onProgress: (p) => bar.update(p.doneBytes, p.totalBytes, p.tensor),
        });
        bar.stop();
        process.stdout.write(o.json ? JSON.stringify(rows, null, 2) + '\n' : formatSweepTable(rows) + '\n');
      } catch (e) {
        bar.stop();
        fail(e);
      }
    });
}

