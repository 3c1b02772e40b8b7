/**
 * Telling a software WebGPU adapter from a GPU in the browser. Chromium exposes SwiftShader (WebGPU
 * computed on the CPU) when started with --enable-unsafe-swiftshader, and marks it as a fallback
 * adapter; Firefox and Chromium on Linux may expose llvmpipe/lavapipe. GPUAdapterInfo fields:
 * https://www.w3.org/TR/webgpu/#gpuadapterinfo (isFallbackAdapter moved there from GPUAdapter).
 */
export { SOFTWARE_ADAPTER_NOTE } from '../../engine/adapter';

export interface GpuAdapterInfoLike { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean }
export interface GpuAdapterLike { info?: GpuAdapterInfoLike; isFallbackAdapter?: boolean }

/** True for a fallback adapter, or one whose name says SwiftShader, llvmpipe or lavapipe. */
export function isSoftwareAdapter(a: GpuAdapterLike): boolean {
  const info = a.info ?? {};
  if (info.isFallbackAdapter === true || a.isFallbackAdapter === true) return true;
  const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  return /swiftshader|llvmpipe|lavapipe|software/i.test(name);
}
