/**
 * Whether a model (as a grid names it) is synthetic: seeded random weights, real speed,
 * meaningless text. A catalog alias or variant id: the catalog entry's `synthetic`; a
 * folder: its config.json's `slmlab.synthetic`; anything else (an endpoint's own model
 * name): false.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCatalog, findModel } from '../catalog/catalog';
import type { CatalogFile } from '../catalog/types';

export interface SyntheticOptions {
  /** The catalog to look aliases up in (default: slmlab's own). */
  catalog?: CatalogFile;
}

export function isSyntheticModel(model: string, opts: SyntheticOptions = {}): boolean {
  let catalog: CatalogFile | null = opts.catalog ?? null;
  if (!catalog) { try { catalog = loadCatalog(); } catch { catalog = null; } }
  if (catalog) {
    try { return findModel(catalog, model).synthetic === true; } catch { /* not in the catalog */ }
  }
  try {
    const config = JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8')) as { slmlab?: { synthetic?: unknown } };
    return config?.slmlab?.synthetic === true;
  } catch {
    return false;
  }
}
