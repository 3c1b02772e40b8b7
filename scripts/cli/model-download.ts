/** `slmlab model download` and `slmlab model remove`: fetch a catalog variant into the cache, or delete it. */
import type { Command } from 'commander';
import { PROVIDERS, type ProviderName } from '../../lib/engine/providers';
import { locateModel } from '../../lib/registry/locate-model';
import { cachedFolderFor, findCachedModel, listCache, removeFromCache } from '../../lib/cache';
import { loadCatalog, resolveVariant } from '../../lib/catalog';
import { ModelNotFoundError } from '../../lib/errors';
import { oneOf } from './parse';
import { bytes } from './format';
import { progressBar } from './progress-bar';
import { fail } from './exit-codes';

export function registerModelDownload(model: Command): void {
  model
    .command('download')
    .description('download a catalog model into the cache (synthetic twins are built); resumes an interrupted download')
    .argument('<model>', 'catalog alias (best variant for this machine) or full variant id')
    .option('--ep <provider>', `pick the variant for this provider: ${PROVIDERS.join(', ')}`, oneOf('--ep', PROVIDERS))
    .option('--force', 're-verify a cached copy byte by byte (synthetic: rebuild it) and repair whatever is damaged')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, o: { ep?: ProviderName; json?: boolean; force?: boolean }) => {
      const bar = progressBar('downloading', o.json);
      const ac = new AbortController();
      const onSigint = () => ac.abort();
      process.once('SIGINT', onSigint);
      try {
        const found = await locateModel(name, {
          ep: o.ep, download: true, allowFolders: false, signal: ac.signal, force: o.force,
          onProgress: (p) => { if (p.total) bar.update(p.bytes, p.total, `${p.phase} ${p.file}`); },
        });
        bar.stop();
        const result = { id: found.id, dir: found.dir, fetched: found.fetched, synthetic: found.synthetic, provider: found.provider, repaired: found.repaired ?? null };
        if (found.repaired && !o.json) process.stderr.write(`slmlab: the cached copy was damaged (${found.repaired}): repaired it\n`);
        if (o.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        else process.stdout.write(`${found.id}: ${found.repaired ? 'repaired' : found.fetched ? 'downloaded' : o.force ? 'verified, already in the cache' : 'already in the cache'}${found.synthetic ? ' (synthetic: built offline, its text is meaningless)' : ''}\n  folder  ${found.dir}\n`);
      } catch (e) {
        bar.stop();
        if (ac.signal.aborted) process.stderr.write('slmlab: download interrupted; run the same command again to resume\n');
        fail(e);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });

  model
    .command('remove')
    .alias('rm')
    .description('remove a model from the cache')
    .argument('<model>', 'catalog alias or variant id, or a cached model\'s id')
    .option('--ep <provider>', 'with an alias: the variant for this provider', oneOf('--ep', PROVIDERS))
    .action(async (name: string, o: { ep?: ProviderName }) => {
      try {
        let target = name;
        if (!findCachedModel(name)) {
          // An alias: remove the variant this machine would use (or the one for --ep) if it is cached.
          const { variant } = await resolveVariant(loadCatalog(), name, { ep: o.ep });
          const dir = cachedFolderFor(variant);
          if (!dir) throw new ModelNotFoundError(`${variant.id} is not in the cache: nothing to remove (see \`slmlab cache list\`)`);
          target = listCache().find((e) => e.dir === dir || e.modelDir === dir)?.id ?? variant.id;
        }
        const r = removeFromCache(target);
        for (const item of r.removed) process.stdout.write(`removed ${item.path} (${bytes(item.bytes)})\n`);
        process.stdout.write(`freed ${bytes(r.freedBytes)}\n`);
      } catch (e) {
        fail(e);
      }
    });
}
