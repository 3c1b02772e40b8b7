/**
 * Grid files: JSON in data/grids/ (or anywhere). loadGrid reads, parses and validates one,
 * checking its models against the catalog when the grid uses the embedded service.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCatalog } from '../../catalog/catalog';
import type { CatalogFile } from '../../catalog/types';
import { GridError } from './errors';
import { readJson } from './prompts';
import type { GridSpec } from './spec';
import { validateGrid } from './validate';

/** data/grids/, found from the compiled file (dist/lib/bench/grid -> ../../../../data). */
export const DEFAULT_GRIDS_DIR = path.resolve(__dirname, '..', '..', '..', '..', 'data', 'grids');

/**
 * The file a grid argument names: an existing path as is, else a shipped grid by name
 * ('default', 'session03' -> data/grids/<name>.json). Throws GridError listing the shipped ones.
 */
export function gridFile(nameOrPath: string): string {
  if (fs.existsSync(nameOrPath) && fs.statSync(nameOrPath).isFile()) return path.resolve(nameOrPath);
  const shipped = path.join(DEFAULT_GRIDS_DIR, `${nameOrPath.replace(/\.json$/, '')}.json`);
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(nameOrPath) && fs.existsSync(shipped)) return shipped;
  const names = fs.existsSync(DEFAULT_GRIDS_DIR) ? fs.readdirSync(DEFAULT_GRIDS_DIR).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)) : [];
  throw new GridError(`no grid file ${JSON.stringify(nameOrPath)}: pass the path of a grid .json file or a shipped grid name (${names.join(', ') || 'none'})`);
}

export interface LoadGridOptions {
  /** Catalog to check model names against; false skips the check (default: the shipped catalog). */
  catalog?: CatalogFile | false;
}

/**
 * A grid file's JSON and its absolute path, read and parsed but not validated: for a caller
 * that hands it to planGrid with overrides (the CLI), which validates the grid as it will run, once.
 */
export function readGrid(file: string): { spec: GridSpec; file: string } {
  const abs = gridFile(file);
  return { spec: readJson(abs, 'grid') as GridSpec, file: abs };
}

/** Reads and validates a grid file (a path, or a shipped grid's name). Throws GridError listing every problem. */
export function loadGrid(file: string, opts: LoadGridOptions = {}): GridSpec {
  const { spec: value, file: abs } = readGrid(file);
  const catalog = opts.catalog === false ? undefined : opts.catalog ?? loadCatalog();
  return validateGrid(value, { file: abs, ...(catalog ? { catalog } : {}) });
}
