/** `slmlab model list` and `slmlab model info`: what the catalog offers, like `foundry model list/info`. */
import type { Command } from 'commander';
import { findModel, formatModelInfo, formatModelList, listRows, loadCatalog, modelInfo } from '../../lib/catalog';
import { cachedVariantIds } from './cached-ids';
import { fail } from './exit-codes';

export function registerModelList(model: Command): void {
  model
    .command('list')
    .alias('ls')
    .description('list the catalog\'s models and variants (synthetic twins are marked)')
    .option('--filter <key=value>', 'one filter: device=CPU|GPU, provider=cpu|webgpu|cuda, task=chat, alias=qwen* (prefix with ! to negate)')
    .option('--json', 'print the rows as JSON')
    .action((o: { filter?: string; json?: boolean }) => {
      try {
        const rows = listRows(loadCatalog(), { filter: o.filter, cachedIds: cachedVariantIds() });
        process.stdout.write(o.json ? JSON.stringify(rows, null, 2) + '\n' : formatModelList(rows));
      } catch (e) {
        fail(e);
      }
    });

  model
    .command('info').alias('show')
    .description('show a model\'s details and variants')
    .argument('<alias>', 'model alias or variant id')
    .option('--license', 'show only the licence')
    .option('--json', 'print the details as JSON')
    .action((alias: string, o: { license?: boolean; json?: boolean }) => {
      try {
        const info = modelInfo(findModel(loadCatalog(), alias));
        process.stdout.write(o.json ? JSON.stringify(info, null, 2) + '\n' : formatModelInfo(info, { license: o.license }));
      } catch (e) {
        fail(e);
      }
    });
}
