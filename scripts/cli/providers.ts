/** `slmlab providers`: which execution providers run on this machine, and how to enable the others. */
import type { Command } from 'commander';
import { probeProviders } from '../../lib/engine/providers';
import { fail } from './exit-codes';
import { engineStatuses } from '../../lib/engines/status';

export function registerProviders(program: Command): void {
  program
    .command('providers')
    .description('probe the execution providers (cpu, webgpu, cuda) on this machine')
    .option('--json', 'print the probe results as JSON')
    .option('--allow-software-gpu', 'let webgpu run on a software adapter (SwiftShader): correctness only, not GPU speed')
    .action(async (o: { json?: boolean; allowSoftwareGpu?: boolean }) => {
      try {
        const statuses = await probeProviders({ allowSoftwareGpu: o.allowSoftwareGpu ? true : undefined });
        if (o.json) { process.stdout.write(JSON.stringify(statuses, null, 2) + '\n'); return; }
        // issue 23: the engines beside ONNX Runtime's providers (details: `slmlab engines list`)
        const engineLines = engineStatuses().map((e) => `  ${e.name.padEnd(12)} ${e.usable ? 'usable' : 'not usable'}: ${e.detail}${e.fix ? ` (fix: ${e.fix})` : ''}`);
        for (const s of statuses) {
          process.stdout.write(`${s.name.padEnd(7)} ${s.usable ? 'usable' : 'not usable'}${s.usable && s.note ? ` (${s.note})` : ''}\n`);
          if (s.adapter) {
            const a = s.adapter;
            process.stdout.write(`        adapter: ${a.description}; vendor ${a.vendor}, architecture ${a.architecture || '?'}, ${a.deviceType}, driver ${a.driver}${a.inferred ? ' (inferred from the Vulkan ICD)' : ''}\n`);
          }
          if (!s.usable) {
            process.stdout.write(`        why: ${s.reason}\n        fix: ${s.fix}\n`);
          }
        }
        process.stdout.write(`engines:\n${engineLines.join('\n')}\n`);
      } catch (e) {
        fail(e);
      }
    });
}
