/** Which catalog variants are in the cache (for the `(cached)` mark of `model list`). */
import { loadCatalog } from '../../lib/catalog';
import { cachedFolderFor } from '../../lib/cache';

export function cachedVariantIds(): Set<string> {
  const ids = new Set<string>();
  for (const m of loadCatalog().models) for (const v of m.variants) if (cachedFolderFor(v) !== null) ids.add(v.id);
  return ids;
}
