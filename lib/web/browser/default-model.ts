/**
 * Which cached model the inference page selects when the URL names none, best first. With
 * WebGPU, the 0.5B twin; on WASM, models that decode at a usable speed there (see the
 * README's in-browser section for the measurements behind this order).
 */
export function DEFAULT_BROWSER_MODELS(hasWebGpu: boolean): string[] {
  return hasWebGpu
    ? ['qwen2.5-0.5b-int4-b32', 'qwen2.5-0.5b', 'tiny-int4-b32', 'tiny']
    : ['tiny-int4-b32', 'tiny', 'qwen2.5-0.5b-int4-b32'];
}
