/**
 * quantize/ — rewrite a float decoder to int4 / int8 (MatMulNBits) or fp16, register it,
 * and measure what that costs in fidelity and gains in size and speed.
 */
export { quantizeModel, registerFolder, type QuantizeModelOptions, type QuantizeReport } from './quantize-model';
export { planQuantization, type QuantizePlan, type WeightDecision } from './plan';
export {
  DEFAULT_SETTINGS, QUANT_BLOCK_SIZES, QUANT_PRECISIONS, resolveSettings, settingsLabel,
  type QuantPrecision, type QuantizeSettings,
} from './options';
export { QuantizeError } from './errors';
export type { StreamProgress } from './stream-weights';
export { derivePromptTemplate } from './prompt-template';
