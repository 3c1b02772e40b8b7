/**
 * Naming the WebGPU adapter of the webgpu execution provider: vendor, architecture, device type,
 * driver, and whether it is a software one (SwiftShader, llvmpipe/lavapipe) or a GPU.
 *
 * onnxruntime-node 1.30 reads Dawn's adapter info (wgpuDeviceGetAdapterInfo) but neither logs it
 * nor exposes it to JavaScript. So adapterFor() infers the adapter from the Vulkan ICD manifests
 * the Vulkan loader will read (Dawn reaches the GPU through Vulkan on Linux) and from the PCI
 * display devices; every AdapterInfo says it was inferred and from what. With one manifest
 * (VK_ICD_FILENAMES set, as slmlab does for SwiftShader, swiftshader.ts) the inference is exact:
 * that driver is the only one Dawn can see.
 *
 * Vulkan facts used: https://github.com/KhronosGroup/Vulkan-Loader/blob/main/docs/LoaderDriverInterface.md
 * (manifest format, search paths, VK_ICD_FILENAMES / VK_DRIVER_FILES).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { envValue } from '../environment';

/** The mark every software-adapter result carries. */
export const SOFTWARE_ADAPTER_NOTE = 'software adapter — correctness only, not GPU speed';

/** Vulkan's VkPhysicalDeviceType, in WebGPU's words. */
export type AdapterDeviceType = 'discrete-gpu' | 'integrated-gpu' | 'virtual-gpu' | 'cpu' | 'unknown';

export interface AdapterInfo {
  /** 'google' (SwiftShader), 'mesa', 'nvidia', 'amd', 'intel', or 'unknown'. */
  vendor: string;
  /** 'swiftshader', 'llvmpipe', or the GPU family when the driver tells ('' when unknown). */
  architecture: string;
  deviceType: AdapterDeviceType;
  /** The driver library and the Vulkan version its manifest declares. */
  driver: string;
  /** One line for people: "SwiftShader (software, Vulkan on the CPU)". */
  description: string;
  /** True for a driver that computes on the CPU (SwiftShader, llvmpipe/lavapipe). */
  software: boolean;
  /** The ICD manifest the adapter comes from; null when none was found. */
  icd: string | null;
  /** Always true today: inferred from the Vulkan ICD manifests and PCI, not read from Dawn (see the file comment). */
  inferred: boolean;
  /** What the inference rests on, in one line. */
  source: string;
}

const ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d'];

/** The ICD manifests the Vulkan loader will read with `env`, in its order. */
export function icdManifests(env: NodeJS.ProcessEnv = process.env): string[] {
  const forced = envValue('VK_DRIVER_FILES', env) || envValue('VK_ICD_FILENAMES', env);
  if (forced) return forced.split(':').filter(Boolean);
  const homeDir = envValue('HOME', env);
  const home = envValue('XDG_DATA_HOME', env) || (homeDir ? path.join(homeDir, '.local/share') : null);
  const dirs = [...ICD_DIRS, ...(home ? [path.join(home, 'vulkan/icd.d')] : [])];
  const out: string[] = [];
  for (const d of dirs) {
    let names: string[] = [];
    try { names = fs.readdirSync(d).filter((n) => n.endsWith('.json')).sort(); } catch { /* no such folder */ }
    out.push(...names.map((n) => path.join(d, n)));
  }
  return out;
}

/** What a Vulkan driver library is, from its file name. */
export function describeIcd(icd: string): AdapterInfo {
  const m = readManifest(icd);
  const lib = m ? path.basename(m.library) : path.basename(icd);
  const driver = m ? `${lib} (Vulkan ${m.api})` : `unreadable manifest ${icd}`;
  const base = { driver, icd, inferred: true, source: `Vulkan ICD manifest ${icd}` };
  const k = `${lib} ${path.basename(icd)}`.toLowerCase();
  if (k.includes('swiftshader')) return { ...base, vendor: 'google', architecture: 'swiftshader', deviceType: 'cpu', software: true, description: 'SwiftShader (software, Vulkan on the CPU)' };
  if (/lvp|lavapipe/.test(k)) return { ...base, vendor: 'mesa', architecture: 'llvmpipe', deviceType: 'cpu', software: true, description: 'lavapipe/llvmpipe (software, Vulkan on the CPU; Dawn refuses it)' };
  if (k.includes('nvidia')) return { ...base, vendor: 'nvidia', architecture: '', deviceType: 'discrete-gpu', software: false, description: 'NVIDIA GPU (vendor Vulkan driver)' };
  if (/radeon|amdvlk|amd/.test(k)) return { ...base, vendor: 'amd', architecture: '', deviceType: 'unknown', software: false, description: 'AMD GPU (RADV or AMDVLK)' };
  if (k.includes('intel')) return { ...base, vendor: 'intel', architecture: '', deviceType: 'integrated-gpu', software: false, description: 'Intel GPU (ANV)' };
  if (k.includes('mock')) return { ...base, vendor: 'khronos', architecture: 'mock', deviceType: 'cpu', software: true, description: 'Vulkan mock driver (computes nothing)' };
  return { ...base, vendor: 'unknown', architecture: '', deviceType: 'unknown', software: false, description: `Vulkan driver ${lib}` };
}


/** The driver library a manifest names, resolved against the manifest's folder; null when unreadable. */
export function icdLibrary(icd: string): string | null {
  const m = readManifest(icd);
  if (!m) return null;
  const lib = m.library;
  return lib.includes('/') ? path.resolve(path.dirname(icd), lib) : lib;
}

export function readManifest(icd: string): { library: string; api: string } | null {
  try {
    const j = JSON.parse(fs.readFileSync(icd, 'utf8')) as { ICD?: { library_path?: unknown; api_version?: unknown } };
    const lib = j.ICD?.library_path;
    return typeof lib === 'string' ? { library: lib, api: typeof j.ICD?.api_version === 'string' ? j.ICD.api_version : '?' } : null;
  } catch {
    return null;
  }
}

/** PCI display controllers (class 0x03xxxx) as "vendor:device", for the GPU side of the inference. */
export function pciDisplayDevices(root = '/sys/bus/pci/devices'): string[] {
  let names: string[] = [];
  try { names = fs.readdirSync(root); } catch { return []; }
  const out: string[] = [];
  for (const n of names) {
    try {
      const cls = fs.readFileSync(path.join(root, n, 'class'), 'utf8').trim();
      if (!cls.startsWith('0x03')) continue;
      const v = fs.readFileSync(path.join(root, n, 'vendor'), 'utf8').trim();
      const d = fs.readFileSync(path.join(root, n, 'device'), 'utf8').trim();
      out.push(`${v}:${d}`);
    } catch { /* a device that vanished or is unreadable */ }
  }
  return out;
}

/**
 * The adapter Dawn will most likely pick with `env`: it asks for high performance, so a GPU
 * driver's adapter wins over a software one when both are present. Null when no manifest exists.
 */
export function adapterFor(env: NodeJS.ProcessEnv = process.env): AdapterInfo | null {
  const manifests = icdManifests(env);
  if (!manifests.length) return null;
  const infos = manifests.map(describeIcd);
  const gpus = infos.filter((a) => !a.software);
  const pci = pciDisplayDevices();
  const pick = gpus.length && pci.length ? gpus[0] : infos.find((a) => a.architecture === 'swiftshader') ?? infos[0];
  const alone = manifests.length === 1;
  return {
    ...pick,
    source: alone
      ? `${pick.source} (the only Vulkan driver this process can load)`
      : `${pick.source}, picked among ${manifests.length} manifests (${manifests.map((m) => path.basename(m)).join(', ')}; PCI display devices: ${pci.join(', ') || 'none'})`,
  };
}
