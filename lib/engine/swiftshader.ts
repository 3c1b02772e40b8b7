/**
 * Software WebGPU adapters: finding Chromium's SwiftShader Vulkan driver, and starting an engine with SwiftShader.
 *
 * onnxruntime-node's webgpu EP runs on Dawn, which on Linux reaches the GPU through Vulkan: the
 * Vulkan loader (libvulkan.so.1) reads ICD manifests (JSON files naming a driver library) from
 * VK_ICD_FILENAMES, or from /usr/share/vulkan/icd.d and /etc/vulkan/icd.d. Chromium ships
 * SwiftShader (a Vulkan driver that runs on the CPU) with its manifest `vk_swiftshader_icd.json`,
 * and its own copy of the Vulkan loader, in its library folder (Debian: /usr/lib/chromium, from
 * the chromium-common package). Pointing VK_ICD_FILENAMES at that manifest gives Dawn a working
 * adapter on any x86-64 or arm64 Linux machine. Mesa's lavapipe (llvmpipe) is also a software
 * Vulkan driver, but Dawn refuses it (it lacks shaderUniform*ArrayDynamicIndexing).
 *
 * Vulkan facts used: https://github.com/KhronosGroup/Vulkan-Loader/blob/main/docs/LoaderDriverInterface.md
 * (manifest format, search paths, VK_ICD_FILENAMES / VK_DRIVER_FILES).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { icdLibrary } from './adapter';
import { envValue } from '../environment';

export interface SwiftShaderLocation {
  /** The vk_swiftshader_icd.json manifest. */
  icd: string;
  /** The folder holding a Vulkan loader (libvulkan.so.1) to use when the system has none; null when the system has one. */
  loaderDir: string | null;
}

/** Where Chromium-family packages put SwiftShader's manifest, Debian and Ubuntu first. */
export const SWIFTSHADER_CANDIDATES: readonly string[] = Object.freeze([
  '/usr/lib/chromium/vk_swiftshader_icd.json',              // Debian chromium (chromium-common)
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',      // Ubuntu's old deb, Linux Mint
  '/snap/chromium/current/usr/lib/chromium-browser/vk_swiftshader_icd.json', // Ubuntu's snap
  '/opt/google/chrome/vk_swiftshader_icd.json',             // Google Chrome .deb/.rpm
  '/usr/lib64/chromium-browser/vk_swiftshader_icd.json',    // Fedora
]);

/** How to get SwiftShader where none was found (one line). */
export const SWIFTSHADER_HOWTO =
  'install Chromium (Debian/Ubuntu: apt-get install chromium) or Google Chrome, which ship vk_swiftshader_icd.json; ' +
  'elsewhere build SwiftShader (https://github.com/google/swiftshader) and set SLMLAB_SWIFTSHADER_ICD to its vk_swiftshader_icd.json';

const SYSTEM_LOADERS = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
  '/usr/lib64/libvulkan.so.1', '/usr/lib/libvulkan.so.1', '/usr/local/lib/libvulkan.so.1',
];

/** True when the system has a Vulkan loader of its own (Debian: the libvulkan1 package). */
export function systemVulkanLoader(): string | null {
  return SYSTEM_LOADERS.find((p) => fs.existsSync(p)) ?? null;
}

/**
 * Finds SwiftShader's ICD manifest: SLMLAB_SWIFTSHADER_ICD when set, else the Chromium/Chrome
 * layouts above. Null when none exists (SWIFTSHADER_HOWTO says what to do).
 */
export function findSwiftShader(env: NodeJS.ProcessEnv = process.env, candidates: readonly string[] = SWIFTSHADER_CANDIDATES): SwiftShaderLocation | null {
  const own = envValue('SLMLAB_SWIFTSHADER_ICD', env);
  const list = own ? [own] : candidates;
  for (const icd of list) {
    const lib = icdLibrary(icd);
    if (!lib || !fs.existsSync(lib)) continue;
    const dir = path.dirname(icd);
    const bundled = path.join(dir, 'libvulkan.so.1');
    return { icd, loaderDir: systemVulkanLoader() ? null : fs.existsSync(bundled) ? dir : null };
  }
  return null;
}

/** The environment that makes a new process's webgpu EP use SwiftShader. */
export function swiftShaderEnv(loc: SwiftShaderLocation, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, VK_ICD_FILENAMES: loc.icd };
  delete env.VK_DRIVER_FILES; // it would take precedence over VK_ICD_FILENAMES in newer loaders
  if (loc.loaderDir) env.LD_LIBRARY_PATH = [loc.loaderDir, envValue('LD_LIBRARY_PATH', base)].filter(Boolean).join(':');
  return env;
}

let activated: string | null = null;

/**
 * Points this process's Vulkan loader at SwiftShader, for a webgpu session opened later in this
 * process or its worker threads: sets VK_ICD_FILENAMES (read when Dawn creates its Vulkan
 * instance) and, when the system has no Vulkan loader, loads Chromium's copy now with
 * RTLD_GLOBAL | RTLD_NODELETE so that Dawn's dlopen("libvulkan.so.1") finds it by its soname
 * (LD_LIBRARY_PATH is read only when a process starts). Node's process.dlopen then reports
 * that the library is no Node addon; that is expected and ignored. Child processes inherit the
 * variables. Must run on the main thread (a worker's process.env is a copy). Returns the manifest.
 */
export function activateSwiftShader(loc: SwiftShaderLocation): string {
  if (activated) return activated;
  process.env.VK_ICD_FILENAMES = loc.icd;
  delete process.env.VK_DRIVER_FILES;
  if (loc.loaderDir) {
    process.env.LD_LIBRARY_PATH = [loc.loaderDir, envValue('LD_LIBRARY_PATH')].filter(Boolean).join(':');
    const RTLD_NODELETE = 0x1000; // glibc's value; os.constants.dlopen does not list it
    const flags = os.constants.dlopen.RTLD_NOW | os.constants.dlopen.RTLD_GLOBAL | RTLD_NODELETE;
    try {
      process.dlopen({ exports: {} }, path.join(loc.loaderDir, 'libvulkan.so.1'), flags);
    } catch { /* "Module did not self-register": loaded all the same, and kept by RTLD_NODELETE */ }
  }
  activated = loc.icd;
  return activated;
}

