/**
 * The catalog room: which models exist, their variants, and how one is chosen.
 *
 *   const catalog = loadCatalog();
 *   const model = findModel(catalog, 'qwen2.5-0.5b');
 *   const variant = selectVariant(model, { usable: await probeProviders() });
 */
export type { CatalogFile, CatalogModel, CatalogVariant, Device, HuggingFaceSource, UrlSource, SyntheticSource, VariantSource, TokenizerSource } from './types';
export {
  loadCatalog, parseCatalog, clearCatalogCache, findModel, findVariant, isAliasOf, selectVariant, resolveVariant, providersOf, unavailableReason,
  DEFAULT_CATALOG_FILE, PROVIDER_PREFERENCE, type SelectOptions,
} from './catalog';
export { catalogProblems, validateCatalog, unsafePathReason, DEVICES, VARIANT_PRECISIONS, SYNTHETIC_PRECISIONS, SOURCE_KINDS, TASKS, PROVIDER_DEVICE } from './schema';
export { variantFolderName, splitVariantId, unsafeIdReason } from './ids';
export { parseFilter, matchesFilter, filterModels, FILTER_KEYS, type FilterKey, type ModelFilter } from './filter';
export { listRows, modelInfo, describeSource, type ModelListRow, type ModelInfo, type VariantInfo } from './rows';
export { formatModelList, formatModelInfo, formatBytes, formatParameters, LIST_HEADER, SYNTHETIC_MARK, CACHED_MARK, UNAVAILABLE_MARK } from './format';
