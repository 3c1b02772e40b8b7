/**
 * The model catalog: loading data/catalog.json, finding a model by alias or variant id,
 * and choosing the variant to run on this machine, the way Foundry Local does.
 *
 * Variant ids (one scheme for real models, twins and test models):
 *
 *   <name>-<target>[-<precision>]:<version>
 *
 *   name       the model's name, lowercase: 'qwen2.5-0.5b-instruct', 'phi-4-mini-instruct',
 *              'deepseek-r1-distill-qwen-1.5b'; for synthetic twins '<alias>' ('qwen2.5-0.5b-twin');
 *              the test model is 'tiny'.
 *   target     Foundry Local's device tag: 'generic-cpu' (CPU execution provider),
 *              'generic-gpu' (WebGPU, as in Foundry's current catalog), 'cuda-gpu' (CUDA).
 *   precision  omitted for int4, the precision Foundry Local ships everywhere, so a real
 *              model's int4 ids read like Foundry's ('qwen2.5-0.5b-instruct-generic-cpu:1');
 *              any other precision is spelled out ('...-generic-cpu-fp32:1').
 *   version    slmlab's own version of the entry (1 for now), not Foundry's.
 *
 * Ids are lowercase [a-z0-9._-] plus the ':'; variantFolderName() turns one into its cache
 * folder ('...-generic-cpu-v1'). Users may type ids in any case and without ':version'.
 *
 * Choosing a variant (selectVariant), as Foundry Local's SDK does for an alias: the best
 * provider that works here (cuda > webgpu > cpu), then the highest version, then catalog
 * order; `ep` forces a provider and a full id forces a variant.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CatalogError, ModelNotFoundError, NoVariantError, ProviderUnavailableError, errorText } from '../errors';
import { parseProvider, probeProviders, type ProviderName, type ProviderStatus } from '../engine/providers';
import type { CatalogFile, CatalogModel, CatalogVariant } from './types';
import { validateCatalog } from './schema';
import { splitVariantId } from './ids';

/** data/catalog.json, found from the compiled file (dist/lib/catalog -> ../../../data). */
export const DEFAULT_CATALOG_FILE = path.resolve(__dirname, '..', '..', '..', 'data', 'catalog.json');

/** Automatic choice: a dedicated GPU stack first, cpu last (engine/providers.ts agrees). */
export const PROVIDER_PREFERENCE: readonly ProviderName[] = Object.freeze(['cuda', 'webgpu', 'cpu'] as const);

const cache = new Map<string, CatalogFile>();

/**
 * Reads and validates a catalog file; cached per resolved path for the life of the process
 * (pass `reload: true` after editing the file). Throws CatalogError for a file that is
 * missing, is not JSON, or breaks the catalog's rules (every problem listed).
 */
export function loadCatalog(file: string = DEFAULT_CATALOG_FILE, opts: { reload?: boolean } = {}): CatalogFile {
  const abs = path.resolve(file);
  const hit = cache.get(abs);
  if (hit && !opts.reload) return hit;
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    throw new CatalogError(`cannot read the model catalog ${abs} (${errorText(e)}): ` +
      (abs === DEFAULT_CATALOG_FILE ? 'reinstall slmlab, which ships data/catalog.json' : 'pass the path of an existing catalog file'), [], abs);
  }
  const catalog = parseCatalog(text, abs);
  cache.set(abs, catalog);
  return catalog;
}

/** Parses and validates catalog JSON text; `file` names it in errors. */
export function parseCatalog(text: string, file = '(catalog)'): CatalogFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CatalogError(`catalog ${file} is not valid JSON (${errorText(e)}): fix the syntax, or restore the file from slmlab's repository`, [`(root): ${errorText(e)}`], file);
  }
  return validateCatalog(value, file);
}

/** Forgets cached catalogs (tests; after editing a catalog file). */
export function clearCatalogCache(): void {
  cache.clear();
}

/**
 * A variant by full id, with or without ':version' (any case). Without a version the
 * highest version of that id wins. Null when no variant has that id.
 */
export function findVariant(catalog: CatalogFile, id: string): { model: CatalogModel; variant: CatalogVariant } | null {
  const wanted = splitVariantId(id.trim().toLowerCase());
  let best: { model: CatalogModel; variant: CatalogVariant } | null = null;
  for (const model of catalog.models) {
    for (const variant of model.variants) {
      const own = splitVariantId(variant.id.toLowerCase());
      if (own.base !== wanted.base) continue;
      if (wanted.version !== null) {
        if (variant.version === wanted.version) return { model, variant };
      } else if (!best || variant.version > best.variant.version) {
        best = { model, variant };
      }
    }
  }
  return best;
}

/** Whether `name` (any case) is the model's alias or one of its other names (`aliases`: the workshop's spellings). */
export function isAliasOf(model: CatalogModel, name: string): boolean {
  const n = name.trim().toLowerCase();
  return model.alias.toLowerCase() === n || (model.aliases ?? []).some((a) => a.toLowerCase() === n);
}

/**
 * The model named by an alias (any case; `aliases` too) or by one of its variant ids (with or without
 * ':version'). Throws ModelNotFoundError naming the closest aliases.
 */
export function findModel(catalog: CatalogFile, aliasOrId: string): CatalogModel {
  const name = typeof aliasOrId === 'string' ? aliasOrId.trim() : '';
  const byAlias = catalog.models.find((m) => isAliasOf(m, name));
  if (byAlias) return byAlias;
  const byId = name ? findVariant(catalog, name) : null;
  if (byId) return byId.model;
  const near = suggestions(catalog, name);
  throw new ModelNotFoundError(`model '${name}' is not in the catalog` +
    (near.length ? ` (did you mean ${near.map((a) => `'${a}'`).join(' or ')}?)` : '') +
    ': run `slmlab model list` to see every alias and variant id');
}

export interface SelectOptions {
  /** Provider statuses for this machine (probeProviders()); only usable ones count. */
  usable: ProviderStatus[];
  /** Force a provider (short or Foundry name: 'cuda', 'CUDAExecutionProvider'). */
  ep?: ProviderName | string;
  /** Force a variant by full id, with or without ':version'. */
  id?: string;
}

/**
 * The variant of `model` to run. A full `id` wins; else `ep` narrows to one provider;
 * else the best usable provider here (cuda > webgpu > cpu). Ties go to the highest
 * version, then to catalog order. Forced choices (`id`, `ep`) are returned whether or not
 * the provider works here: loading checks that, with the reason and the fix.
 */
export function selectVariant(model: CatalogModel, opts: SelectOptions): CatalogVariant {
  const chosen = selectAny(model, opts);
  const why = unavailableReason(model, chosen);
  if (why !== null) {
    throw new ModelNotFoundError(`${model.alias} (${chosen.id}) is listed but unavailable: ${why}. ` +
      'Choose another model (`slmlab model list`), or bring your own folder (`slmlab model run <folder>`)');
  }
  return chosen;
}

/** Why a variant cannot be fetched (its own reason, else its model's), or null when it can. */
export function unavailableReason(model: CatalogModel, variant?: CatalogVariant): string | null {
  return variant?.unavailable ?? model.unavailable ?? null;
}

function selectAny(model: CatalogModel, opts: SelectOptions): CatalogVariant {
  if (opts.id !== undefined) {
    const wanted = splitVariantId(opts.id.trim().toLowerCase());
    const same = model.variants.filter((v) => splitVariantId(v.id.toLowerCase()).base === wanted.base &&
      (wanted.version === null || v.version === wanted.version));
    if (same.length === 0) {
      throw new ModelNotFoundError(`model '${model.alias}' has no variant '${opts.id}': its variants are ${model.variants.map((v) => v.id).join(', ')}`);
    }
    return highestVersion(same);
  }

  // Unavailable variants are listed but never chosen automatically (a model whose every
  // variant is unavailable falls through to its first one, and selectVariant says why).
  const available = model.variants.filter((v) => unavailableReason(model, v) === null);
  if (available.length === 0) return model.variants[0];
  if (opts.ep !== undefined) {
    const ep = parseProvider(opts.ep);
    const onEp = available.filter((v) => v.provider === ep);
    if (onEp.length === 0) {
      const have = providersOf(model);
      throw new NoVariantError(`model '${model.alias}' has no variant for the ${ep} execution provider: it has ${have.join(', ')}; ` +
        `run it with ${have.map((p) => `--ep ${p}`).join(' or ')}, or leave --ep out to choose automatically`, ep, have);
    }
    return highestVersion(onEp);
  }

  // A software WebGPU adapter (SwiftShader) is never chosen automatically: it proves correctness, not speed.
  const works = new Set(opts.usable.filter((s) => s.usable && !s.software).map((s) => s.name));
  for (const provider of PROVIDER_PREFERENCE) {
    if (!works.has(provider)) continue;
    const onProvider = available.filter((v) => v.provider === provider);
    if (onProvider.length) return highestVersion(onProvider);
  }

  const have = providersOf(model);
  const why = have.map((p) => {
    const s = opts.usable.find((u) => u.name === p);
    return `${p}: ${s ? s.reason ?? 'not usable' : 'not probed'}${s?.fix ? ` (fix: ${s.fix})` : ''}`;
  }).join('; ');
  throw new ProviderUnavailableError(have[0], `model '${model.alias}' has variants for ${have.join(', ')} only, and none of them can run on this machine: ${why}` +
    (have.includes('cpu') ? '' : '. Choose a model with a CPU variant (`slmlab model list --filter device=CPU`)'));
}

/**
 * Finds `nameOrId` and picks its variant for this machine, probing the providers. A full
 * variant id names the variant itself; an alias picks automatically or by `ep`.
 */
export async function resolveVariant(catalog: CatalogFile, nameOrId: string, opts: { ep?: ProviderName | string } = {}):
  Promise<{ model: CatalogModel; variant: CatalogVariant }> {
  const model = findModel(catalog, nameOrId);
  const byId = isAliasOf(model, nameOrId) ? null : nameOrId;
  const usable = byId !== null || opts.ep !== undefined ? [] : await probeProviders();
  const variant = selectVariant(model, { usable, ...(byId !== null ? { id: byId } : {}), ...(opts.ep !== undefined ? { ep: opts.ep } : {}) });
  return { model, variant };
}

/** The providers a model has variants for, in preference order. */
export function providersOf(model: CatalogModel): ProviderName[] {
  return PROVIDER_PREFERENCE.filter((p) => model.variants.some((v) => v.provider === p));
}

/** Highest version; the first in catalog order among equals. */
function highestVersion(variants: CatalogVariant[]): CatalogVariant {
  return variants.reduce((best, v) => (v.version > best.version ? v : best));
}

/** Aliases that look like `name`: sharing a prefix, containing it, or a few edits away. */
function suggestions(catalog: CatalogFile, name: string): string[] {
  const q = name.toLowerCase();
  if (!q) return [];
  const scored = catalog.models.map((m) => {
    const a = m.alias.toLowerCase();
    const d = a.startsWith(q) || q.startsWith(a) || a.includes(q) ? 0 : editDistance(a, q);
    return { alias: m.alias, d };
  }).filter((s) => s.d <= 3).sort((x, y) => x.d - y.d);
  return scored.slice(0, 3).map((s) => s.alias);
}

/** Levenshtein distance (insertions, deletions and substitutions cost 1). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
