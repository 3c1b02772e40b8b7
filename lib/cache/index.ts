/**
 * cache/: where models live on disk. Layout (location.ts):
 *   <cacheDir>/models/<folder>   downloaded variants (+ .slmlab-complete.json) and bring-your-own folders
 *   <cacheDir>/synthetic/<id>    synthetic builds
 *   <cacheDir>/downloads/        partial downloads (resumable)
 *   <cacheDir>/locks/            one lock per variant being fetched or built
 */
export { cacheDir, syntheticDir, modelsDir, downloadsDir, locksDir, foundryCacheDir, extraModelDirs } from './location';
export { safeModelFolder, isSafeModelId, resolveInside } from './safe-name';
export { COMPLETE_FILE, PLAN_FILE, readCompletion, type CompletionRecord, type CompletedFile } from './completion';
export { listCache, cachedFolderFor, findCachedModel, entryMatches, type CacheEntry, type CacheKind, type CacheOptions } from './list';
export { removeFromCache, type RemoveResult, type RemovedItem } from './remove';
export { cleanCache, type CleanOptions, type CleanResult } from './clean';
export { findModelFolders, runnableDir, MODEL_MARKERS } from './model-scan';
export { syntheticFolderName, isCompleteSynthetic } from './synthetic-folder';
export * from './download/index';
