/**
 * slmlab's public surface: what notebooks, scripts and the CLI import.
 * Everything not exported here is internal and free to change.
 *
 *   import { buildModel, loadModel, probeProviders } from 'slmlab';
 */
export * from './errors';
export { cacheDir, syntheticDir } from './cache/location';

// synthetic models
export { SHAPES, shapeNames, parameterCount, type ModelShape, type TokenizerFamily } from './synth/shapes';
export { buildModel, syntheticId, PRECISIONS, BLOCK_SIZES, type BuildOptions, type BuildReport, type BuildProgress, type Precision } from './synth/build-model';
export { SYNTHETIC_NOTE } from './synth/model-config';

// engine
export { loadModel, LoadedModel, type LoadOptions, type GenerateOptions, type GenerationStream } from './engine/engine';
export { inspectModelFolder, type ModelFolder, type FolderLayout } from './engine/model-folder';
export { probeProviders, resolveProvider, bestProvider, parseProvider, PROVIDERS, type ProviderName, type ProviderStatus } from './engine/providers';
export { TextTokenizer, type ChatMessage } from './engine/tokenizer';
export type { GenerateRequest, GenerationResult, GenerationTimings, TextDelta, FinishReason } from './engine/types';

// engine: continuous batching (issue 10) — how many requests decode together, and the
// load-time check that batched decoding gives every request its solo tokens
export { DEFAULT_MAX_BATCH, MAX_BATCH_LIMIT } from './engine/engine';
export type { BatchingInfo } from './engine/worker-protocol';
export type { BatchingCheck } from './engine/decoder-session';
export type { LogitsMode } from './synth/decoder-graph';

// catalog, cache and downloads
export * as catalog from './catalog';
export { loadCatalog, findModel, selectVariant, resolveVariant, type CatalogFile, type CatalogModel, type CatalogVariant } from './catalog';
export { listCache, removeFromCache, cleanCache, ensureVariant, type CacheEntry, type DownloadProgress } from './cache';
export { locateModel, type LocatedModel, type LocateOptions } from './registry/locate-model';
export { CatalogRegistry } from './registry/catalog-registry';

// the local service
export { startService, FolderRegistry, type ServiceHandle, type ServiceOptions, type ModelRegistry } from './service';
export { startDaemon, stopDaemon, daemonStatus } from './service/daemon';

// benchmarking: timed client calls, grids, the results store, statistics
export { findEndpoint, timedChat, type Endpoint, type TimedCall } from './client';
export * as grid from './bench/grid';
export * as store from './bench/store';
export * as stats from './bench/stats';
