/** `slmlab cache list|location|remove|clean|pack|unpack`: the one folder where models live, and the class pack. */
import * as path from 'node:path';
import type { Command } from 'commander';
import { cacheDir, cleanCache, listCache, removeFromCache, type CacheEntry } from '../../lib/cache';
import { bytes } from './format';
import { packModels, unpackModels } from '../../lib/cache/pack';
import { textTable } from '../../lib/util/text-table';
import { fail } from './exit-codes';

function formatEntries(entries: CacheEntry[]): string {
  if (!entries.length) return `No models cached in ${cacheDir()}. Try \`slmlab model download tiny\`.\n`;
  const rows = entries.map((e) => [
    e.id,
    e.kind + (e.readOnly ? ' (read-only)' : ''),
    e.damaged ? 'damaged' : e.abandoned ? 'abandoned build' : e.partial ? (e.kind === 'synthetic' ? 'building' : e.kind === 'custom' ? 'partial (quantise or register running)' : 'partial (resumable)') : e.complete ? 'complete' : 'incomplete',
    bytes(e.sizeBytes),
    e.dir,
  ]);
  const notes = entries.filter((e) => e.damaged || e.abandoned).map((e) => e.damaged
    ? `${e.id} is damaged: ${e.damaged}; repair it with \`slmlab model ${e.kind === 'synthetic' ? 'build' : 'download'} ${e.kind === 'synthetic' ? '<shape>' : e.id} --force\``
    : `${e.dir} is what a killed build left: \`slmlab cache clean\` (or the next build) removes it`);
  return `Models cached in ${cacheDir()}:\n${textTable(['Model ID', 'Kind', 'State', 'Size', 'Folder'], rows)}\n${notes.map((n) => `  ${n}\n`).join('')}`;
}

/** A POSIX shell word for `s` (single-quoted unless it is plain). */
function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function registerCache(program: Command): void {
  const cache = program.command('cache').description('list, locate, remove and clean cached models');

  cache
    .command('list')
    .alias('ls')
    .description('list cached models (downloaded, synthetic, bring-your-own, Foundry Local\'s read-only cache)')
    .option('--json', 'print the entries as JSON')
    .action((o: { json?: boolean }) => {
      try {
        const entries = listCache();
        process.stdout.write(o.json ? JSON.stringify(entries, null, 2) + '\n' : formatEntries(entries));
      } catch (e) {
        fail(e);
      }
    });

  cache
    .command('location')
    .description('print the cache folder (set SLMLAB_CACHE_DIR to move it)')
    .action(() => { process.stdout.write(cacheDir() + '\n'); });

  cache
    .command('cd')
    .description('print the cache folder (Foundry\'s `foundry cache cd`); with a folder, print the line that moves it there')
    .argument('[folder]', 'a folder to keep models in from now on')
    .action((folder: string | undefined) => {
      if (folder === undefined) { process.stdout.write(cacheDir() + '\n'); return; }
      // A program cannot change its shell's environment: print the assignment for the shell to run.
      const dir = path.resolve(folder);
      process.stdout.write(`export SLMLAB_CACHE_DIR=${shellQuote(dir)}\n`);
      process.stderr.write(`slmlab: the cache moves when SLMLAB_CACHE_DIR is set: run eval "$(slmlab cache cd ${shellQuote(folder)})", or put the line above in your shell profile\n`);
    });

  cache
    .command('remove')
    .alias('rm')
    .description('remove one cached model')
    .argument('<id>', 'the model id as `slmlab cache list` shows it')
    .action((id: string) => {
      try {
        const r = removeFromCache(id);
        for (const item of r.removed) process.stdout.write(`removed ${item.path} (${bytes(item.bytes)})\n`);
        process.stdout.write(`freed ${bytes(r.freedBytes)}\n`);
      } catch (e) {
        fail(e);
      }
    });

  cache
    .command('clean')
    .description('remove partial downloads and stale locks; with --keep, also every model not listed')
    .option('--keep <ids>', 'comma-separated model ids to keep; all other cached models are removed')
    .option('--dry-run', 'say what would be removed, remove nothing')
    .action((o: { keep?: string; dryRun?: boolean }) => {
      try {
        const keep = o.keep?.split(',').map((s) => s.trim()).filter(Boolean);
        const r = cleanCache({ partial: true, unusedExcept: keep, dryRun: o.dryRun });
        for (const item of r.removed) process.stdout.write(`${o.dryRun ? 'would remove' : 'removed'} ${item.path} (${bytes(item.bytes)})\n`);
        for (const b of r.busy) process.stdout.write(`kept ${b} (in use by another process)\n`);
        process.stdout.write(`${o.dryRun ? 'would free' : 'freed'} ${bytes(r.freedBytes)}\n`);
      } catch (e) {
        fail(e);
      }
    });
  cache
    .command('pack')
    .description('write cached models (built twins, downloads) with their records and SHA-256s into one tar for student machines')
    .argument('<models...>', 'cache ids (`slmlab cache list`) or catalog aliases (every cached variant of it)')
    .requiredOption('--out <file>', 'the tar file to write, e.g. class.tar')
    .option('--force', 'replace --out when it exists')
    .option('--json', 'print the result as JSON')
    .action(async (models: string[], o: { out: string; force?: boolean; json?: boolean }) => {
      try {
        const r = await packModels(models, { out: o.out, force: o.force, onFile: o.json ? undefined : (f) => process.stderr.write(`  hashing ${f}\n`) });
        if (o.json) { process.stdout.write(JSON.stringify({ file: r.file, bytes: r.bytes, modelBytes: r.modelBytes, models: r.manifest.models.map((m) => ({ id: m.id, kind: m.kind, files: m.files.length })) }, null, 2) + '\n'); return; }
        for (const m of r.manifest.models) process.stdout.write(`packed ${m.id} (${m.kind}, ${m.files.length} files, ${bytes(m.files.reduce((a, f) => a + f.size, 0))})\n`);
        process.stdout.write(`${r.file}: ${bytes(r.bytes)}; install it on another machine with \`slmlab cache unpack ${path.basename(r.file)}\` (offline, verified)\n`);
      } catch (e) {
        fail(e);
      }
    });

  cache
    .command('unpack')
    .description('verify a class pack (made by `cache pack`) and install its models into this cache, offline; resumable')
    .argument('<file>', 'the pack, e.g. class.tar')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, o: { json?: boolean }) => {
      try {
        const r = await unpackModels(file, { onFile: o.json ? undefined : (f, _size, kept) => process.stderr.write(`  ${kept ? 'kept (checked)' : 'verified'} ${f}\n`) });
        if (o.json) { process.stdout.write(JSON.stringify({ installed: r.installed, alreadyInstalled: r.alreadyInstalled, writtenBytes: r.writtenBytes, modelBytes: r.modelBytes }, null, 2) + '\n'); return; }
        for (const id of r.installed) process.stdout.write(`installed ${id}\n`);
        for (const id of r.alreadyInstalled) process.stdout.write(`already installed ${id}\n`);
        process.stdout.write(`${bytes(r.writtenBytes)} written into ${cacheDir()}; \`slmlab cache list\` shows the models\n`);
      } catch (e) {
        fail(e);
      }
    });
}
