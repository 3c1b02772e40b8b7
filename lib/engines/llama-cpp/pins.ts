/**
 * What `slmlab engines add llama.cpp` installs: node-llama-cpp (https://github.com/withcatai/node-llama-cpp)
 * at one pinned version, and only the prebuilt platform package(s) asked for. node-llama-cpp
 * lists every platform build as an optional dependency (CUDA and Vulkan included, 677 MB);
 * `npm install --omit=optional` skips them and the one named is installed beside it.
 */
export const NODE_LLAMA_CPP_VERSION = '3.22.1';

export type LlamaGpu = 'vulkan' | 'cuda';
export const LLAMA_GPUS: readonly LlamaGpu[] = ['vulkan', 'cuda'];

/** The prebuilt package for this platform's CPU build, e.g. @node-llama-cpp/linux-x64; null where none is published. */
export function cpuPackage(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string | null {
  if (platform === 'linux' && ['x64', 'arm64', 'riscv64'].includes(arch)) return `@node-llama-cpp/linux-${arch}`;
  if (platform === 'linux' && arch === 'arm') return '@node-llama-cpp/linux-armv7l';
  if (platform === 'darwin' && arch === 'arm64') return '@node-llama-cpp/mac-arm64-metal';
  if (platform === 'darwin' && arch === 'x64') return '@node-llama-cpp/mac-x64';
  if (platform === 'win32' && (arch === 'x64' || arch === 'arm64')) return `@node-llama-cpp/win-${arch}`;
  return null;
}

/** The GPU packages for `gpu` on this platform (CUDA needs its -ext companion); null where none is published. */
export function gpuPackages(gpu: LlamaGpu, platform: NodeJS.Platform = process.platform, arch: string = process.arch): string[] | null {
  const os = platform === 'linux' ? 'linux' : platform === 'win32' ? 'win' : null;
  if (!os || arch !== 'x64') return null;
  return gpu === 'cuda' ? [`@node-llama-cpp/${os}-x64-cuda`, `@node-llama-cpp/${os}-x64-cuda-ext`] : [`@node-llama-cpp/${os}-x64-vulkan`];
}
