/**
 * `slmlab start` (npm start): the main job on the embedded default. For now: build the
 * default twin if it is absent, then stream one answer with its timings.
 */
import type { Command } from 'commander';
import { loadModel } from '../../lib/engine/engine';
import { buildWithProgress } from './model-build';
import { buildSummary, resultSummary } from './format';
import { streamAnswer } from './model-run';
import { fail } from './exit-codes';

export const DEFAULT_SHAPE = 'qwen2.5-0.5b';
export const DEFAULT_PROMPT = 'In two sentences, why do small language models run well on laptops?';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(`build the default model (${DEFAULT_SHAPE} int4 twin) if absent and stream one answer with its timings`)
    .option('--shape <shape>', 'model shape to build and run', DEFAULT_SHAPE)
    .option('--prompt <text>', 'the prompt', DEFAULT_PROMPT)
    .action(async (o: { shape: string; prompt: string }) => {
      try {
        process.stderr.write(`slmlab: preparing the ${o.shape} int4 synthetic twin (built once, then reused)\n`);
        const report = await buildWithProgress({ shape: o.shape, precision: 'int4' });
        process.stderr.write(buildSummary(report) + '\n\n');
        const model = await loadModel(report.dir, { provider: 'cpu' });
        process.stderr.write(`loaded in ${model.info.loadMs.toFixed(0)} ms on cpu\n> ${o.prompt}\n`);
        const result = await streamAnswer(model, { prompt: o.prompt, maxTokens: 64 }, false);
        process.stderr.write(resultSummary(result) + '\n');
        await model.dispose();
      } catch (e) {
        fail(e);
      }
    });
}
