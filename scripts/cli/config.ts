/**
 * `slmlab config show|set|reset`: the settings file in slmlab's data folder
 * (lib/config/config-file.ts), as Foundry Local CLI 0.10's `foundry config`.
 */
import type { Command } from 'commander';
import { configFilePath, readConfig, resetConfig, setConfig } from '../../lib/config/config-file';
import { textTable } from '../../lib/util/text-table';
import { fail } from './exit-codes';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('show or change slmlab\'s settings (e.g. compute.onnx.enable_gpu), kept in its data folder');

  config.command('show').description('print every setting, its value and what it does')
    .option('--json', 'print the settings as JSON')
    .action((o: { json?: boolean }) => {
      try {
        const entries = readConfig();
        if (o.json) { process.stdout.write(JSON.stringify({ file: configFilePath(), settings: entries }, null, 2) + '\n'); return; }
        const rows = entries.map((e) => [e.key, String(e.value) + (e.isDefault ? ' (default)' : ''), e.description]);
        process.stdout.write(`Settings in ${configFilePath()}:\n${textTable(['Setting', 'Value', 'Effect'], rows)}\n`);
      } catch (e) {
        fail(e);
      }
    });

  config.command('set').description('change a setting, e.g. `slmlab config set compute.onnx.enable_gpu false`')
    .argument('<key>', 'the setting').argument('<value>', 'its new value')
    .action((key: string, value: string) => {
      try {
        process.stdout.write(`${key.toLowerCase()} = ${String(setConfig(key, value))}\n`);
      } catch (e) {
        fail(e);
      }
    });

  config.command('reset').description('put a setting back to its default')
    .argument('<key>', 'the setting')
    .action((key: string) => {
      try {
        process.stdout.write(`${key.toLowerCase()} = ${String(resetConfig(key))} (default)\n`);
      } catch (e) {
        fail(e);
      }
    });
}
