/**
 * `slmlab complete <model> <prompt>`: one answer, streamed, as Foundry Local CLI 0.10's
 * `foundry complete`. The same engine path and options as `slmlab model run --prompt`.
 */
import type { Command } from 'commander';
import { addRunOptions, runModel, type RunOptions } from './model-run';

export function registerComplete(program: Command): void {
  addRunOptions(program
    .command('complete')
    .description('stream one answer to a prompt (= model run <model> --prompt <prompt>)')
    .argument('<model>', 'catalog alias or variant id (downloaded or built on first use), a cached model, or a model folder')
    .argument('<prompt>', 'the user message'))
    .action((spec: string, prompt: string, o: RunOptions) => runModel(spec, { ...o, prompt }));
}
