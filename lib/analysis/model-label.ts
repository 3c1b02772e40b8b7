/** A model's name as tables and figures print it: synthetic models (seeded random weights) always carry " (synthetic)". */
export const SYNTHETIC_SUFFIX = ' (synthetic)';

/** "qwen2.5-0.5b-twin (synthetic)". */
export function modelLabel(model: string, synthetic: boolean): string {
  return synthetic ? `${model}${SYNTHETIC_SUFFIX}` : model;
}
