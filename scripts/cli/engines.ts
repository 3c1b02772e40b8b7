/** `slmlab engines list | add llama.cpp [--gpu vulkan|cuda] | remove llama.cpp`: inference engines beside ONNX Runtime. */
import type { Command } from 'commander';
import { engineStatuses } from '../../lib/engines/status';
import { installLlamaCpp, removeLlamaCpp } from '../../lib/engines/llama-cpp/install';
import { LLAMA_GPUS, type LlamaGpu } from '../../lib/engines/llama-cpp/pins';
import { UsageError } from '../../lib/errors';
import { oneOf } from './parse';
import { fail } from './exit-codes';

const mb = (b: number | null): string => (b === null ? '' : `${(b / 1e6).toFixed(0)} MB`);

function checkName(name: string): void {
  if (name !== 'llama.cpp') throw new UsageError(`unknown engine '${name}': the engine that can be added is llama.cpp (onnxruntime is built in)`);
}

export function registerEngines(program: Command): void {
  const engines = program.command('engines').description('inference engines: onnxruntime (built in) and llama.cpp (installed on demand)');
  engines
    .command('list', { isDefault: true })
    .description('which engines run here, their versions, and the llama.cpp CPU build')
    .option('--json', 'print as JSON')
    .action((o: { json?: boolean }) => {
      try {
        const all = engineStatuses();
        if (o.json) { process.stdout.write(JSON.stringify(all, null, 2) + '\n'); return; }
        for (const s of all) {
          process.stdout.write(`${s.name.padEnd(12)} ${s.usable ? 'usable    ' : 'not usable'} ${s.detail}${s.bytes ? `, ${mb(s.bytes)} in ${s.dir}` : ''}\n`);
          if (!s.usable) process.stdout.write(`             fix: ${s.fix}\n`);
        }
      } catch (e) { fail(e); }
    });
  engines
    .command('add')
    .description('install an engine from the npm registry into slmlab\'s cache (not the project\'s node_modules), then verify it')
    .argument('<engine>', 'llama.cpp')
    .option('--gpu <backend>', `also install a GPU build: ${LLAMA_GPUS.join(' or ')}`, oneOf('--gpu', LLAMA_GPUS))
    .option('--json', 'print the install record as JSON')
    .action(async (name: string, o: { gpu?: LlamaGpu; json?: boolean }) => {
      try {
        checkName(name);
        const rec = await installLlamaCpp({ gpu: o.gpu, onProgress: (l) => process.stderr.write(`${l}\n`) });
        if (o.json) { process.stdout.write(JSON.stringify(rec, null, 2) + '\n'); return; }
        process.stdout.write(`llama.cpp installed: node-llama-cpp ${rec.version} (${rec.packages.join(', ')}), ${mb(rec.bytes)}, ${rec.installSeconds.toFixed(0)} s\n`);
        process.stdout.write(`verified: a tiny GGUF loaded and generated ${rec.verified.tokens.length} tokens; CPU build: ${rec.cpuBuild ?? 'unknown'}\n`);
      } catch (e) { fail(e); }
    });
  engines
    .command('remove')
    .description('remove an installed engine')
    .argument('<engine>', 'llama.cpp')
    .action((name: string) => {
      try {
        checkName(name);
        process.stdout.write(removeLlamaCpp() ? 'llama.cpp removed\n' : 'llama.cpp was not installed\n');
      } catch (e) { fail(e); }
    });
}
