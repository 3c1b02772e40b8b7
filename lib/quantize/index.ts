/**
 * quantize/ — rewrite a float decoder to int4 / int8 (MatMulNBits) or fp16, register it,
 * and measure what that costs in fidelity and gains in size and speed.
 */
export { quantizeModel, registerFolder, type QuantizeModelOptions, type QuantizeReport } from './quantize-model';
export { planQuantization, type QuantizePlan, type WeightDecision } from './plan';
export {
  DEFAULT_SETTINGS, INT8_KERNELS, QUANT_BLOCK_SIZES, QUANT_PRECISIONS, QUANT_TARGETS, builderAccuracyLevel, resolveSettings, settingsLabel,
  type Int8Kernel, type QuantPrecision, type QuantizeSettings, type QuantTarget,
} from './options';
export { QuantizeError } from './errors';
export type { StreamProgress } from './stream-weights';
export { derivePromptTemplate } from './prompt-template';
export { compareModels, measureFidelity, measureFidelityMany, SYNTHETIC_FIDELITY_NOTE, type ModelCompareOptions, type ComparisonRecord, type FidelityRecord } from './compare-models';
export { compareWindow, summarizeFidelity, logSoftmax, klDivergence, topK, type FidelitySummary, type PositionStats } from './fidelity';
export { measureSpeed, modelBytes, SPEED_DEFAULTS, type SpeedOptions, type SpeedRecord, type SpeedSample } from './speed';
export { precisionSweep, SWEEP_VARIANTS, type PrecisionSweepOptions, type SweepRow } from './sweep';
export { defaultTexts, textsFromFile, splitParagraphs } from './texts';
export { formatComparison, formatSweepTable } from './format';
