/**
 * For a real catalog model that cannot be had here (offline, not downloaded), the synthetic twin
 * that stands in for it: " Offline? Its synthetic twin runs without a download (same
 * architecture and speed, meaningless text): `slmlab model run phi-4-mini-twin`".
 */
import type { CatalogFile } from '../catalog/types';

export function twinAlias(catalog: CatalogFile, alias: string): string | null {
  const a = alias.toLowerCase();
  return catalog.models.find((m) => m.synthetic && m.twinOf?.toLowerCase() === a)?.alias ?? null;
}

/** '' when the model has no twin. */
export function twinHint(catalog: CatalogFile, alias: string): string {
  const twin = twinAlias(catalog, alias);
  return twin ? `; offline, use its synthetic twin instead (same architecture and speed, meaningless text): \`slmlab model run ${twin}\`` : '';
}
