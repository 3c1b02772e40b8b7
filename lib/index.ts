/**
 * slmlab's public surface, by task: what scripts and programs import. Everything not exported
 * here is internal and free to change; tests reach internals through their own files.
 *
 *   import { buildModel, loadModel, probeProviders } from 'slmlab';
 *
 * The notebook face is `slmlab/notebook` (lib/lab) and the quality and cost side is
 * `slmlab/eval` (lib/eval): neither is re-exported here, and importing `slmlab` has no side
 * effects (display hooks install when `slmlab/notebook` is imported).
 * test/public-api.test.ts snapshots the three export lists: growth is a reviewed change.
 */

// errors: one base (SlmlabError), an exit code per error, fromSystemError for OS failures
export * from './errors';
export { fromSystemError } from './system-errors';

// ---------------------------------------------------------------------------------------------
// models: the catalog, the cache and downloads, locating a model, synthetic twins,
// quantisation, ONNX models as plain records, GGUF export

// models: catalog
export * as catalog from './catalog';
export { loadCatalog, findModel, selectVariant, resolveVariant, unavailableReason, type CatalogFile, type CatalogModel, type CatalogVariant, type TokenizerSource } from './catalog';

// models: cache, downloads, folders Foundry Local and Optimum can read
export { cacheDir, syntheticDir } from './cache/location';
export { listCache, removeFromCache, cleanCache, ensureVariant, type CacheEntry, type DownloadProgress } from './cache';
export { findDamage } from './cache/damage';
export { inferenceModelFor, writeInferenceModel, INFERENCE_MODEL_FILE, type InferenceModel } from './cache/inference-model';
export { checkFoundryFolder, type FoundryCheck, type FoundryReport } from './cache/foundry-check';
export { optimumGenaiConfig, GENAI_LLM_TYPES } from './cache/optimum-genai-config';
// models: the class pack (built twins and downloads, checked, for machines without a network)
export { packModels, unpackModels, PackError, type PackResult, type UnpackResult, type PackManifest } from './cache/pack';

// models: registry (a name to a folder)
export { locateModel, type LocatedModel, type LocateOptions } from './registry/locate-model';
export { CatalogRegistry } from './registry/catalog-registry';

// models: synthetic builds (twins of real architectures, random weights)
export { SHAPES, shapeNames, parameterCount, type ModelShape, type TokenizerFamily } from './synth/shapes';
export { syntheticId, weightsFileName, PRECISIONS, BLOCK_SIZES, BUILDER_STYLES, DEFAULT_BUILDER_STYLE, type BuildProgress, type Precision, type BuilderStyle } from './synth/write-model';
export { buildModel, type BuildOptions, type BuildReport } from './cache/build-model';
export { SYNTHETIC_NOTE } from './synth/model-config';
export type { LogitsMode } from './synth/decoder-graph';

// models: quantise and register your own model, and what quantisation costs
export {
  quantizeModel, compareModels, precisionSweep, measureFidelity, measureSpeed, formatComparison, formatSweepTable,
  SWEEP_VARIANTS, QUANT_PRECISIONS, QUANT_BLOCK_SIZES, QUANT_TARGETS, INT8_KERNELS, SYNTHETIC_FIDELITY_NOTE, QuantizeError,
  textsFromFile, defaultTexts, builderAccuracyLevel,
  type QuantizeModelOptions, type QuantizeReport, type QuantizeSettings, type QuantPrecision, type QuantTarget, type Int8Kernel,
  type QuantizePlan, type WeightDecision, type ModelCompareOptions, type ComparisonRecord, type FidelityRecord, type SpeedRecord,
  type PrecisionSweepOptions, type SweepRow,
} from './quantize';

// models: ONNX models as plain records (read, rewrite and write ModelProto; tensor bytes; external data)
export {
  decodeModel, encodeModel, OnnxDecodeError, TensorBytesReader, DataType, dataTypeName, tensorByteLength,
  type ModelRecord, type GraphRecord, type NodeRecord, type TensorRecord, type ValueInfoRecord, type AttrValue,
} from './onnx';
export { checkExternalData, type ExternalDataProblem, type ExternalDataRef } from './onnx/external-data-check';

// models: GGUF (the same weights for llama.cpp)
export { exportGguf, type GgufExportOptions, type GgufExportReport } from './gguf';
export { readGguf, type GgufFile } from './onnx/gguf-reader';

// ---------------------------------------------------------------------------------------------
// engine: load a model folder and generate (ONNX Runtime, in a worker thread or its own process)

// engine: load and generate
export { loadModel, LoadedModel, DEFAULT_MAX_BATCH, MAX_BATCH_LIMIT, type LoadOptions, type GenerateOptions, type GenerationStream } from './engine/engine';
export { ProcessModel, loadModelInProcess, type EngineModel } from './engine/process-engine';
export { inspectModelFolder, type ModelFolder, type FolderLayout } from './engine/model-folder';
export { TextTokenizer, type ChatMessage } from './engine/tokenizer';
export { templateNote } from './engine/chat-template';
export type { GenerateRequest, GenerationResult, GenerationTimings, TextDelta, FinishReason } from './engine/types';

// engine: execution providers, GPU adapters, software GPUs
export { probeProviders, resolveProvider, bestProvider, parseProvider, softwareGpuAllowed, PROVIDERS, type ProviderName, type ProviderStatus } from './engine/providers';
export { adapterFor, SOFTWARE_ADAPTER_NOTE, type AdapterInfo } from './engine/adapter';
export { findSwiftShader, activateSwiftShader, SWIFTSHADER_HOWTO, type SwiftShaderLocation } from './engine/swiftshader';

// engine: batching and prefill info (continuous batching, chunked prefill, KV on the device)
export type { BatchingInfo, PrefillInfo } from './engine/host/protocol';
export type { BatchingCheck } from './engine/decoder-session';
export type { DeviceCopies } from './engine/device-kv';

// engines: llama.cpp beside ONNX Runtime (installed on demand, `<model>@llama.cpp`)
export { engineStatuses, llamaCppStatus, ENGINE_NAMES, type EngineName, type EngineStatus } from './engines/status';
export { installLlamaCpp, removeLlamaCpp, type EngineRecord, type InstallOptions } from './engines/llama-cpp/install';
export { splitEngine, withEngine, parseEngine } from './engines/model-id';
export { compareEngines, type EngineComparison, type EngineCompareOptions } from './engines/compare-engines';

// ---------------------------------------------------------------------------------------------
// service: the OpenAI-compatible local service, its daemon, first-use preparation, its pages

export { startService, FolderRegistry, type ServiceHandle, type ServiceOptions, type ModelRegistry } from './service';
export { startDaemon, stopDaemon, daemonStatus } from './app/daemon';
export { startOnWorkshopPort, choosePort, WORKSHOP_PORT, type WorkshopStart, type WorkshopStartOptions } from './app/workshop-port';
export { PreparingRegistry, type PreparationRecord, type PreparationNeed, type PreparationOptions } from './service/preparation';
export { DEFAULT_SERVICE_PREFILL_CHUNK } from './service/model-manager';
export { pageUrl, openInBrowser, type PageRequest, type PageUrl } from './app/open-page';
export { browserManifest, BROWSER_MAX_BYTES, type BrowserManifest } from './web';

// retrieval-augmented generation (chunking, BM25 retrieve(), the workshop's prompt)
export { retrieve, buildIndex, chunkDocuments, chunkText, ragMessages, contextBlock, RAG_SYSTEM_PROMPT, WORKSHOP_DOCS, DEFAULT_BM25, DEFAULT_CHUNK } from './rag';
export type { RagDocument, Passage, RetrievedPassage, RagIndex, IndexOptions, ChunkOptions, Bm25Params } from './rag';

// ---------------------------------------------------------------------------------------------
// client: timed calls to any OpenAI-compatible endpoint

export { findEndpoint, timedChat, type Endpoint, type TimedCall } from './client';

// ---------------------------------------------------------------------------------------------
// bench: grids, plans, the runner, load profiles, the results store, statistics

export * as grid from './bench/grid';
export { LOGITS_AXIS, LOGITS_MODES } from './bench/grid/axes';
export { planGrid, type Plan, type PlanOptions } from './bench/plan';
export { runPlan, runGrid, cellLabel, type RunPlanOptions, type RunGridOptions, type RunGridResult, type RunResult, type RunProgress } from './bench/runner';
export { busyWarning } from './bench/runner/load-tracker';
export * as load from './bench/load';
export { parseSlo, type Slo } from './bench/load';
export { runProfile, type Profile, type ProfileResult } from './bench/run-profile';
export * as store from './bench/store';
export { readResults, ResultsMismatchError, type ResultsFile, type RequestRecord, type RunRecord, type CellSummaryRecord } from './bench/store';
export type { CellMemory, CellLoad, LoadPoint } from './bench/store/cell-record';
export * as stats from './bench/stats';
// what the machine was doing beside each figure (memory, CPU, load, steal)
export { readProcMemory, readLoad, stealPercent, busyPercent, isBusy, type ProcMemory, type LoadReading } from './util/proc';

// ---------------------------------------------------------------------------------------------
// analysis: results as polars frames, summaries, comparisons, load levels

export * as analysis from './analysis';
export { loadResults, summarizeResults, compare, toFrame, comparisonFrame, pivot, summarizeLevels, formatLevels, formatSummary, type SummaryRow, type ComparisonRow, type LoadedResults, type LevelRow } from './analysis';

// ---------------------------------------------------------------------------------------------
// report: figures, report folders, CSV and Markdown

export * as report from './report';
export { writeReport, latencyBars, tokensPerSecondBars, ttftBox, speedupBars, latencyThroughputScatter, tokenTimeline, toCsv, toMarkdownSummary, type Figure } from './report';
export { precisionSweepScatter, type PrecisionSweepPoint, type PrecisionSweepScatterOptions } from './report/figures';
export { showFigure } from './lab/display';

// ---------------------------------------------------------------------------------------------
// issue 19 (one benchmark entry): the caller's overrides for planGrid, a profile on a plan made
// by planGrid, and the one verdict on a run (the CLI's exit, benchmark()'s error)

export { type PlanOverrides } from './bench/plan';
export { runProfilePlan } from './bench/run-profile';
export { runVerdict, type Verdict, type VerdictOptions } from './bench/runner';

// issue 19 (no loops): the service with its pages, now that lib/service serves none by itself
export { startServiceWithPages } from './app/start-service';
