/**
 * `slmlab model check <folder> [--foundry]`: does slmlab's engine read the folder, and with
 * --foundry, would Foundry Local's scanner list it and ONNX Runtime GenAI open it
 * (lib/cache/foundry-check.ts). Exit 0 when it passes, 4 (model invalid) when it does not.
 */
import type { Command } from 'commander';
import { checkFoundryFolder, type FoundryReport } from '../../lib/cache/foundry-check';
import { inspectModelFolder } from '../../lib/engine/model-folder';
import { ModelInvalidError, errorText } from '../../lib/errors';
import { fail } from './exit-codes';

export function registerModelCheck(model: Command): void {
  model
    .command('check')
    .description('check a model folder: slmlab reads it; with --foundry, Foundry Local lists it and ONNX Runtime GenAI can open it')
    .argument('<folder>', 'the model folder')
    .option('--foundry', 'also check what Foundry Local\'s cache scanner and ONNX Runtime GenAI need')
    .option('--json', 'print the result as JSON')
    .action((folder: string, o: { foundry?: boolean; json?: boolean }) => {
      try {
        let slmlab: { ok: boolean; detail: string };
        try {
          const f = inspectModelFolder(folder);
          slmlab = { ok: true, detail: `${f.layout} layout, ${f.onnxPath}` };
        } catch (e) {
          slmlab = { ok: false, detail: errorText(e) };
        }
        const foundry: FoundryReport | null = o.foundry ? checkFoundryFolder(folder) : null;
        if (o.json) process.stdout.write(JSON.stringify({ slmlab, foundry }, null, 2) + '\n');
        else process.stdout.write(checkText(slmlab, foundry));
        const passed = slmlab.ok && (!foundry || foundry.runnable);
        if (!passed) {
          const why = !slmlab.ok ? `slmlab cannot run it: ${slmlab.detail}` : foundry!.checks.filter((c) => !c.ok && c.severity !== 'advice').map((c) => `${c.check}: ${c.detail}`)[0];
          throw new ModelInvalidError(`'${folder}' does not pass the check (${why})`);
        }
      } catch (e) {
        fail(e);
      }
    });
}

export function checkText(slmlab: { ok: boolean; detail: string }, foundry: FoundryReport | null): string {
  const lines = [`${slmlab.ok ? 'ok  ' : 'FAIL'}  slmlab runs it        ${slmlab.detail}`];
  if (foundry) {
    for (const c of foundry.checks) lines.push(`${c.ok ? 'ok  ' : c.severity === 'advice' ? 'note' : 'FAIL'}  ${c.check.padEnd(20)}  ${c.detail}`);
    lines.push(foundry.listed
      ? `Foundry Local lists it as ${foundry.foundryId}${foundry.runnable ? '' : ', but ONNX Runtime GenAI cannot run it as it is'} (put the folder in a subfolder of Foundry's cache: \`foundry cache cd <parent folder>\`)`
      : 'Foundry Local would not list this folder');
  }
  return lines.join('\n') + '\n';
}
