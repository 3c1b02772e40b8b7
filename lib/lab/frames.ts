/**
 * The catalog, the cache and the execution providers as polars DataFrames, the tables of
 * `foundry model list`, `foundry cache list` and a GPU check, for show() or for filtering:
 *
 *   show(catalogFrame().filter(pl.col('cached')))
 */
import pl from 'nodejs-polars';
import { loadCatalog, listRows } from '../catalog';
import { cachedFolderFor, listCache, type CacheOptions } from '../cache';
import { probeProviders } from '../engine/providers';

const MIB = 1024 * 1024;

/** One row per catalog variant: alias, device, provider, precision, size (MiB), synthetic, twin of, cached. */
export function catalogFrame(): pl.DataFrame {
  const catalog = loadCatalog();
  const cachedIds = new Set<string>();
  for (const m of catalog.models) for (const v of m.variants) if (cachedFolderFor(v) !== null) cachedIds.add(v.id);
  const rows = listRows(catalog, { cachedIds });
  return pl.DataFrame({
    alias: rows.map((r) => r.alias),
    variant_id: rows.map((r) => r.variantId),
    device: rows.map((r) => r.device),
    provider: rows.map((r) => r.provider),
    precision: rows.map((r) => r.precision),
    size_mib: pl.Series('size_mib', rows.map((r) => (r.size === null ? null : Math.round(r.size / MIB))), pl.Float64),
    synthetic: rows.map((r) => r.synthetic),
    twin_of: pl.Series('twin_of', rows.map((r) => r.twinOf), pl.Utf8),
    cached: rows.map((r) => r.cached),
  });
}

/** One row per model in the cache (downloads, synthetic builds, bring-your-own folders). */
export function cacheFrame(opts: CacheOptions = {}): pl.DataFrame {
  const entries = listCache(opts);
  return pl.DataFrame({
    id: pl.Series('id', entries.map((e) => e.id), pl.Utf8),
    kind: pl.Series('kind', entries.map((e) => e.kind), pl.Utf8),
    size_mib: pl.Series('size_mib', entries.map((e) => Math.round(e.sizeBytes / MIB)), pl.Float64),
    files: pl.Series('files', entries.map((e) => e.files), pl.Float64),
    complete: pl.Series('complete', entries.map((e) => e.complete), pl.Bool),
    folder: pl.Series('folder', entries.map((e) => e.dir), pl.Utf8),
  });
}

/** Each execution provider: usable here or not, why, and the fix. */
export async function providersFrame(): Promise<pl.DataFrame> {
  const p = await probeProviders();
  return pl.DataFrame({
    provider: p.map((s) => s.name),
    usable: p.map((s) => s.usable),
    reason: pl.Series('reason', p.map((s) => s.reason), pl.Utf8),
    fix: pl.Series('fix', p.map((s) => s.fix), pl.Utf8),
  });
}
