/** `slmlab model list` and `slmlab model info`: what the catalog offers, like `foundry model list/info`. */
import type { Command } from 'commander';
import { findModel, formatModelInfo, formatModelList, listRows, loadCatalog, modelInfo } from '../../lib/catalog';
import { cachedVariantIds } from './cached-ids';
import { fail } from './exit-codes';
import { listCache } from '../../lib/cache';
import { textTable } from '../../lib/util/text-table';
import { bytes } from './format';
import { formatVariantList } from '../../lib/catalog/format-variants';

/**
 * Models the user registered (e.g. `slmlab model quantize --register`) or brought: the
 * custom folders of the cache, listed after the catalog as Foundry lists custom models.
 */
function yourModels(): string {
  const custom = listCache({ foundryDir: null }).filter((e) => e.kind === 'custom');
  if (!custom.length) return '';
  const rows = custom.map((e) => [e.id, e.complete ? 'runnable' : 'not runnable', bytes(e.sizeBytes), e.dir]);
  return `\nYour models (run with \`slmlab model run <name>\`):\n${textTable(['Name', 'State', 'Size', 'Folder'], rows)}\n`;
}

export function registerModelList(model: Command): void {
  model
    .command('list')
    .alias('ls')
    .description('list the catalog\'s models and variants (synthetic twins are marked)')
    .option('--filter <key=value>', 'one filter: device=CPU|GPU, provider=cpu|webgpu|cuda, task=chat, alias=qwen* (prefix with ! to negate)')
    .option('--variants', 'one row per variant with its execution provider and whether it is cached (Foundry Local 0.10\'s table)')
    .option('--json', 'print the rows as JSON')
    .action((o: { filter?: string; json?: boolean; variants?: boolean }) => {
      try {
        const rows = listRows(loadCatalog(), { filter: o.filter, cachedIds: cachedVariantIds() });
        const text = () => (o.variants ? formatVariantList(rows) : formatModelList(rows)) + yourModels();
        process.stdout.write(o.json ? JSON.stringify(rows, null, 2) + '\n' : text());
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
