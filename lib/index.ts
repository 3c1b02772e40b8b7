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
export { gatherLastPosition, type LastPositionRewrite } from './engine/last-position-logits';
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

// ONNX models as plain records (issue 8): read, rewrite and write ModelProto; tensor bytes
export {
  decodeModel, encodeModel, OnnxDecodeError, TensorBytesReader, DataType, dataTypeName, tensorByteLength,
  type ModelRecord, type GraphRecord, type NodeRecord, type TensorRecord, type ValueInfoRecord, type AttrValue,
} from './onnx';

// --- issue 7: what lessons and scripts need by name (runner, analysis, report, eval, notebook face) ---
// The notebook face is also its own subpath, `slmlab/notebook`; eval is `slmlab/eval`.
export * as analysis from './analysis';
export { loadResults, summarizeResults, compare, toFrame, comparisonFrame, pivot, type SummaryRow, type ComparisonRow, type LoadedResults } from './analysis';
export * as report from './report';
export { writeReport, latencyBars, tokensPerSecondBars, ttftBox, speedupBars, latencyThroughputScatter, tokenTimeline, toCsv, toMarkdownSummary, type Figure } from './report';
export * as evaluation from './eval';
export * as lab from './lab';
// real models on a connected machine (issue 12): catalog availability, Foundry's
// inference_model.json, load-time graph checks, twins in the builder-0.15 layout, and
// first-use preparation in the service
export { unavailableReason, type TokenizerSource } from './catalog';
export { inferenceModelFor, writeInferenceModel, INFERENCE_MODEL_FILE, type InferenceModel } from './cache/inference-model';
export { missingOpOf, checkKvType, SUPPORTED_KV_TYPES } from './engine/load-checks';
export { foldSystemIntoFirstUser } from './engine/chat-template';
export { BUILDER_STYLES, DEFAULT_BUILDER_STYLE, weightsFileName, type BuilderStyle } from './synth/build-model';
export { PreparingRegistry, Preparations, type PreparationRecord, type PreparationNeed, type PreparationOptions } from './service/preparation';
// session 4: retrieval-augmented generation (chunking, BM25 retrieve(), the workshop's prompt)
// and the pages the service serves (RAG chat at /chat, in-browser inference at /browser)
export { retrieve, buildIndex, chunkDocuments, chunkText, ragMessages, contextBlock, RAG_SYSTEM_PROMPT, WORKSHOP_DOCS, DEFAULT_BM25, DEFAULT_CHUNK } from './rag';
export type { RagDocument, Passage, RetrievedPassage, RagIndex, IndexOptions, ChunkOptions, Bm25Params } from './rag';
export { pageUrl, openInBrowser, browserManifest, BROWSER_MAX_BYTES, type PageRequest, type PageUrl, type BrowserManifest } from './web';
// quantise and register your own model, and measure what quantisation costs (issue 8)
export {
  quantizeModel, compareModels, precisionSweep, measureFidelity, measureSpeed, formatComparison, formatSweepTable,
  SWEEP_VARIANTS, QUANT_PRECISIONS, QUANT_BLOCK_SIZES, INT8_KERNELS, SYNTHETIC_FIDELITY_NOTE, QuantizeError, textsFromFile, defaultTexts,
  type QuantizeModelOptions, type QuantizeReport, type QuantizeSettings, type QuantPrecision, type Int8Kernel, type QuantizePlan, type WeightDecision,
  type CompareOptions, type ComparisonRecord, type FidelityRecord, type SpeedRecord, type SweepOptions, type SweepRow,
} from './quantize';
export { precisionSweepScatter, type PrecisionSweepPoint, type PrecisionSweepScatterOptions } from './report/figures';
export { showFigure } from './report/display';
// benchmark planning, running and load profiles (issue 11): plan once, run the plan; every
// results line type typed; load levels (closed loop, open loop), SLO goodput, sweep, find-max
export { planGrid, type Plan, type PlanOptions } from './bench/plan';
export { runPlan, runGrid, cellLabel, type RunPlanOptions, type RunGridOptions, type RunGridResult, type RunResult, type RunProgress } from './bench/runner';
export { readResults, type ResultsFile, type RequestRecord, type RunRecord, type CellSummaryRecord, ResultsMismatchError } from './bench/store';
export * as load from './bench/load';
export { runProfile, parseSlo, type Profile, type ProfileResult, type Slo } from './bench/load';
export { summarizeLevels, formatLevels, formatSummary, type LevelRow } from './analysis';
// hardening (issue 9): system errors as typed errors, external-data checks, damage checks,
// a model's engine in its own process (crash containment), the service's identity check
export { fromSystemError } from './system-errors';
export { checkExternalData, externalDataRefs, type ExternalDataProblem, type ExternalRef } from './onnx/external-data-check';
export { findDamage, damagedFiles } from './cache/damage';
export { ProcessModel, loadModelInProcess, type EngineModel } from './engine/process-engine';
export { isRecordedService, processStartTime } from './service/process-identity';

// --- issue 17: batched and chunked prefill, serving defaults ---
export type { PrefillInfo } from './engine/worker-protocol';
export { DEFAULT_SERVICE_PREFILL_CHUNK } from './service/model-manager';
export { LOGITS_AXIS, LOGITS_MODES } from './bench/grid/axes';
// GPU path on every machine (issue 18): naming the WebGPU adapter, software adapters (SwiftShader)
// allowed only when asked and labelled, the KV cache kept on the device
export { softwareGpuAllowed } from './engine/providers';
export { adapterFor, describeIcd, SOFTWARE_ADAPTER_NOTE, type AdapterInfo } from './engine/adapter';
export { findSwiftShader, swiftShaderEnv, activateSwiftShader, SWIFTSHADER_HOWTO, type SwiftShaderLocation } from './engine/swiftshader';
export type { DeviceCopies } from './engine/device-kv';
// issue 23: llama.cpp beside ONNX Runtime: the engine installed on demand, GGUF export of the
// same weights, engine-vs-engine comparison, `<model>@llama.cpp` in the service and grids
export { engineStatuses, llamaCppStatus, ENGINE_NAMES, type EngineName, type EngineStatus } from './engines/status';
export { installLlamaCpp, removeLlamaCpp, type EngineRecord, type InstallOptions } from './engines/llama-cpp/install';
export { splitEngine, withEngine, parseEngine } from './engines/model-id';
export { compareEngines, type EngineComparison, type EngineCompareOptions } from './engines/compare-engines';
export { exportGguf, type GgufExportOptions, type GgufExportReport } from './gguf';
export { readGguf, type GgufFile } from './onnx/gguf-reader';
// --- issue 16: what each figure measures (docs/measuring.md) ---
export { readProcMemory, readProcSharing, readProcCpu, treeCpuSeconds, readLoad, stealPercent, busyPercent, isBusy, type ProcMemory, type ProcSharing, type ProcCpu, type TreeCpu, type LoadReading } from './util/proc';
export { processSampler, NOT_MEASURED_HERE, type ProcessSampler, type ServingPids } from './bench/runner/process-sampler';
export { busyWarning, cellLoad } from './bench/runner/load-tracker';
export { measurableRates, COALESCED, type RateSource, type MeasurableRates } from './bench/runner/measurable-rates';
export { defaultInterleave, type InterleaveChoice } from './bench/plan/default-interleave';
export type { CellMemory, CellLoad, LoadPoint } from './bench/store/cell-record';
export type { ServingProcesses } from './service/model-manager';
// issue 20 (folders, prompts, builder v0.15, Node 22/24): what Foundry Local's scanner would list,
// genai_config.json for Optimum folders, the note when a prompt is not built with the model's template
export { checkFoundryFolder, type FoundryCheck, type FoundryReport } from './cache/foundry-check';
export { optimumGenaiConfig, GENAI_LLM_TYPES } from './cache/optimum-genai-config';
export { templateNote } from './engine/chat-template';
export { QUANT_TARGETS, builderAccuracyLevel, type QuantTarget } from './quantize';
// issue 22: one port for the class, and the class pack
export { startOnWorkshopPort, choosePort, WORKSHOP_PORT, type WorkshopStart, type WorkshopStartOptions } from './service/workshop-port';
export { packModels, unpackModels, PackError, type PackResult, type UnpackResult, type PackManifest } from './cache/pack';
