/**
 * Which cached model the inference page selects when the URL names none, best first.
 *
 * WebGPU: the int4 0.5B twin (MatMulNBits has a WebGPU kernel). WASM: the int8 0.5B twin, because
 * onnxruntime-web 1.30's WASM MatMulNBits is hundreds of times slower than native while its
 * DynamicQuantizeMatMul (int8) runs within ~7x of native (docs/pages.md, "In-browser inference").
 */
export function defaultBrowserModels(hasWebGpu: boolean): string[] {
  const tiny = ['tiny-generic-cpu:1', 'tiny', 'tiny-int8', 'tiny-int4-b32'];
  return hasWebGpu
    ? ['qwen2.5-0.5b-twin-generic-gpu:1', 'qwen2.5-0.5b-int4-b32', 'qwen2.5-0.5b-int8', ...tiny]
    : ['qwen2.5-0.5b-int8', ...tiny];
}

/** True when a model's weights are int4 (MatMulNBits), by its synthetic record or its name. */
export function looksInt4(id: string, synthetic: Record<string, unknown> | null): boolean {
  if (synthetic && typeof synthetic.precision === 'string') return synthetic.precision === 'int4';
  return /int4|q4|4bit/i.test(id);
}

/** The shape whose int8 twin the page offers to build for WASM. */
export const WASM_INT8_SHAPE = 'qwen2.5-0.5b';

/** What to expect on WASM without the int8 twin (figures: docs/gpu.md, a 2-core x86-64 machine, 2 threads). */
export const WASM_INT4_SPEED_NOTE = 'No WebGPU adapter here, so the page runs on WASM. With int4 weights expect about 1 token/s for the 0.5B twin ' +
  '(onnxruntime-web\'s WASM MatMulNBits); its int8 twin decodes about 10 tokens/s on 2 threads.';

export const INT4_ON_WASM_NOTE = 'int4 weights (MatMulNBits) run hundreds of times slower than native on onnxruntime-web\'s WASM backend: ' +
  'for WASM, build the int8 twin (`slmlab model build qwen2.5-0.5b --precision int8`) and pick it here.';
