/**
 * Execution providers (EPs): which onnxruntime-node backends slmlab can run on, and
 * whether each one really works on this machine.
 *
 * Why probe instead of trusting `listSupportedBackends()`: in onnxruntime-node 1.30
 * that list is static (linux/x64 always lists cuda), and `executionProviders:
 * ['cuda', 'cpu']` does not fall back, it throws (test/providers.test.ts probes this). So the only honest test is to build a session on the EP and run it once. We do
 * that on a one-node model (`y = x + x`, float32[4]) encoded in memory, cache the
 * answer per process, and never fall back silently: `resolveProvider` either returns
 * the requested EP, throws ProviderUnavailableError with the reason and the fix, or,
 * when the caller allowed it, returns cpu together with why it fell back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import type { InferenceSession } from 'onnxruntime-node';
import { ProviderUnavailableError, UnknownProviderError } from '../errors';
import { DataType } from '../onnx/records';
import { encodeModel } from '../onnx/encode-model';
import { adapterFor, SOFTWARE_ADAPTER_NOTE, type AdapterInfo } from './adapter';
import { activateSwiftShader, findSwiftShader, swiftShaderEnv, SWIFTSHADER_HOWTO, type SwiftShaderLocation } from './swiftshader';
import { envValue } from '../environment';

export type ProviderName = 'cpu' | 'webgpu' | 'cuda';

/** Every provider slmlab knows, in probe/report order. */
export const PROVIDERS: readonly ProviderName[] = Object.freeze(['cpu', 'webgpu', 'cuda'] as const);

/** Preference when choosing automatically: a dedicated GPU stack first, cpu last. */
const PREFERENCE: readonly ProviderName[] = ['cuda', 'webgpu', 'cpu'];

/**
 * Accepted spellings (compared case-insensitively): our short names, and the ONNX
 * Runtime / Foundry Local class names (CPUExecutionProvider, …) so names copied from
 * Foundry catalogs or ORT logs work unchanged.
 */
const ALIASES: Readonly<Record<string, ProviderName>> = {
  cpu: 'cpu',
  webgpu: 'webgpu',
  cuda: 'cuda',
  cpuexecutionprovider: 'cpu',
  webgpuexecutionprovider: 'webgpu',
  cudaexecutionprovider: 'cuda',
};

/** Parses a user-supplied provider name; UnknownProviderError lists the valid ones. */
export function parseProvider(name: string): ProviderName {
  const key = typeof name === 'string' ? name.trim().toLowerCase() : '';
  const hit = Object.prototype.hasOwnProperty.call(ALIASES, key) ? ALIASES[key] : undefined;
  if (hit) return hit;
  throw new UnknownProviderError(
    `unknown execution provider ${JSON.stringify(name)}; use one of: ${PROVIDERS.join(', ')} ` +
    `(CPUExecutionProvider, WebGpuExecutionProvider and CUDAExecutionProvider are accepted too)`);
}

export interface ProviderStatus {
  name: ProviderName;
  /** True when a session on this EP was created and computed x + x correctly. */
  usable: boolean;
  /** Why it is not usable, in one line; null when usable. */
  reason: string | null;
  /** What to do about it; null when usable. */
  fix: string | null;
  /** The native error message, or other evidence, verbatim. */
  detail?: string;
  /** Wall time of this provider's probe in milliseconds. */
  probeMs?: number;
  /** webgpu: the adapter it runs (or would run) on, inferred (adapter.ts); null when none was found. */
  adapter?: AdapterInfo | null;
  /** webgpu: true when that adapter computes on the CPU (SwiftShader, llvmpipe). */
  software?: boolean;
  /** SOFTWARE_ADAPTER_NOTE when usable on a software adapter: its speed is no GPU's. */
  note?: string | null;
  /** webgpu on SwiftShader that slmlab set up itself: the manifest and loader it used (swiftshader.ts). */
  swiftshader?: SwiftShaderLocation;
}

/**
 * Whether webgpu may run on a software adapter: `flag` when given (--allow-software-gpu, a grid's
 * allowSoftwareGpu), else SLMLAB_ALLOW_SOFTWARE_GPU=1 in the environment. Off by default: a
 * software adapter's numbers are no GPU's.
 */
export function softwareGpuAllowed(flag?: boolean): boolean {
  if (flag !== undefined) return flag;
  const v = (envValue('SLMLAB_ALLOW_SOFTWARE_GPU') ?? '').trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}

/** What to pass as `executionProviders` to `InferenceSession.create` for `p`. */
export function sessionProviderOptions(p: ProviderName, opts: { deviceId?: number } = {}): InferenceSession.ExecutionProviderConfig[] {
  switch (p) {
    case 'cpu': return ['cpu'];
    case 'webgpu': return [{ name: 'webgpu' }];
    case 'cuda': return [{ name: 'cuda', deviceId: opts.deviceId ?? 0 }];
    default: return [parseProvider(p as string)]; // unreachable for typed callers; throws for bad JS input
  }
}

/** The most capable usable provider among `statuses` (cuda > webgpu > cpu); cpu if none is. */
export function bestProvider(statuses: ProviderStatus[]): ProviderName {
  for (const name of PREFERENCE) {
    if (statuses.some((s) => s.name === name && s.usable)) return name;
  }
  return 'cpu';
}

// ---- probing -------------------------------------------------------------------------

const cache = new Map<string, Promise<ProviderStatus>>();

/** Forgets cached probe results (tests; or after the user installed a driver). */
export function resetProbeCache(): void {
  cache.clear();
}

/**
 * Tests each provider (all of them, or `only`) by running the one-node model on it.
 * Results are cached per process: one promise per provider, so concurrent callers
 * share one probe. Provider failures are reported in the statuses, never thrown;
 * only an unknown name in `only` rejects (UnknownProviderError).
 */
export async function probeProviders(opts: { only?: ProviderName[]; allowSoftwareGpu?: boolean } = {}): Promise<ProviderStatus[]> {
  const names = (opts.only ?? PROVIDERS).map((n) => parseProvider(n));
  const allow = softwareGpuAllowed(opts.allowSoftwareGpu);
  return Promise.all(names.map((name) => {
    const key = name === 'webgpu' ? `${name}:${allow}` : name;
    let p = cache.get(key);
    if (!p) { p = probeOne(name, allow); cache.set(key, p); }
    return p;
  }));
}

/**
 * Returns the provider to use for `requested`. Unusable and no fallback allowed:
 * throws ProviderUnavailableError whose message carries the reason and the fix.
 * Fallback allowed: returns cpu, `fellBackFrom` and the reason, so the caller can say so.
 */
export async function resolveProvider(
  requested: ProviderName,
  opts: { fallback?: boolean; allowSoftwareGpu?: boolean } = {},
): Promise<{ provider: ProviderName; fellBackFrom?: ProviderName; reason?: string; adapter?: AdapterInfo | null; note?: string | null }> {
  const name = parseProvider(requested);
  const [status] = await probeProviders({ only: [name], allowSoftwareGpu: opts.allowSoftwareGpu });
  if (status.usable) {
    // The probe ran SwiftShader in a child process; sessions of this process need the same driver.
    if (status.swiftshader) activateSwiftShader(status.swiftshader);
    return name === 'webgpu' ? { provider: name, adapter: status.adapter ?? null, note: status.note ?? null } : { provider: name };
  }

  const why = `execution provider "${name}" is not usable on this machine: ${status.reason}`;
  if (opts.fallback && name !== 'cpu') {
    const [cpu] = await probeProviders({ only: ['cpu'] });
    if (cpu.usable) return { provider: 'cpu', fellBackFrom: name, reason: why };
  }
  const alt = name === 'cpu' || /--ep cpu/.test(status.fix ?? '') ? '' : ', or run with --ep cpu';
  throw new ProviderUnavailableError(name, `${why}. Fix: ${status.fix}${alt}`);
}

const CUDA_MISSING_FIX =
  'ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js ' +
  '(needs CUDA 12 and cuDNN 9 on the machine and access to api.nuget.org)';
const CUDA_LIBS_FIX =
  'put the CUDA 12 and cuDNN 9 libraries (libcudart.so.12, libcublas.so.12, libcudnn.so.9) on LD_LIBRARY_PATH ' +
  'and check that nvidia-smi lists a GPU, or use --ep cpu';
const WEBGPU_FIX =
  'install a GPU driver with Vulkan support (Linux: the vendor driver plus libvulkan1), or use --ep cpu';
const ORT_FIX =
  'reinstall the runtime: ONNXRUNTIME_NODE_INSTALL=skip npm rebuild onnxruntime-node';

type Ort = typeof import('onnxruntime-node');

/** Loads onnxruntime-node lazily, so a broken native install is a probe result, not a crash at import. */
function loadOrt(): Ort {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('onnxruntime-node') as Ort;
}

/** Folder holding onnxruntime_binding.node and the EP shared libraries. */
export function ortBinaryDir(): string {
  const pkg = path.dirname(require.resolve('onnxruntime-node/package.json'));
  return path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
}

async function probeOne(name: ProviderName, allowSoftware: boolean): Promise<ProviderStatus> {
  const t0 = performance.now();
  const status = name === 'webgpu' ? await probeWebgpu(allowSoftware) : await probeUntimed(name);
  status.probeMs = Math.round((performance.now() - t0) * 10) / 10;
  return status;
}

/**
 * GPU providers are probed in a child process: their native libraries print to the process's
 * stderr (Dawn's "Couldn't load Vulkan" warning), which would land in every CLI command and
 * notebook cell, and a broken driver can crash the process that loads it. The child's output
 * becomes the status's `detail` instead.
 */
async function probeUntimed(name: ProviderName, env: NodeJS.ProcessEnv = process.env): Promise<ProviderStatus> {
  if (name === 'cpu') return probeInProcess(name);
  const script = path.join(__dirname, 'probe-child.js');
  return new Promise<ProviderStatus>((resolve) => {
    execFile(process.execPath, [script, name], { timeout: 60_000, maxBuffer: 1 << 20, env }, (err, stdout, stderr) => {
      const noise = stderr.trim();
      try {
        const status = JSON.parse(stdout) as ProviderStatus;
        if (noise && !status.usable) status.detail = [status.detail, noise].filter(Boolean).join('\n');
        resolve(status);
      } catch {
        const why = err ? (err.killed ? 'timed out' : `exited with ${err.code ?? err.signal}`) : 'printed no result';
        resolve(down(name, `the ${name} probe process ${why} (the driver or runtime crashed while loading)`,
          name === 'cuda' ? CUDA_LIBS_FIX : WEBGPU_FIX, noise.slice(-2000) || undefined));
      }
    });
  });
}

const ALLOW_FIX = 'add --allow-software-gpu (or set SLMLAB_ALLOW_SOFTWARE_GPU=1, or allowSoftwareGpu: true in a grid) to run webgpu on it for correctness';

/**
 * webgpu: probes the adapter this machine has, and tells a software one from a GPU. A GPU's
 * driver (an ICD manifest that is no software one) is tried as the environment stands. A software
 * adapter is used only when allowed: the one VK_ICD_FILENAMES names, or else Chromium's
 * SwiftShader (swiftshader.ts) in a probe process started with it.
 */
async function probeWebgpu(allowSoftware: boolean): Promise<ProviderStatus> {
  const ambient = adapterFor(process.env);
  let gpuFailure: ProviderStatus | null = null;
  if (ambient && !ambient.software) {
    const status = await probeUntimed('webgpu');
    if (status.usable || !allowSoftware || !findSwiftShader()) return { ...status, adapter: ambient, software: false, note: null };
    gpuFailure = status; // the GPU's driver failed: SwiftShader, as allowed
  }
  if (ambient?.software && !allowSoftware) {
    return { ...down('webgpu', `the only WebGPU adapter is a software one (${ambient.description}); not tried`, ALLOW_FIX), adapter: ambient, software: true, note: null };
  }
  if (!allowSoftware) {
    const status = await probeUntimed('webgpu');
    if (status.usable) return { ...status, adapter: ambient, software: ambient?.software ?? false, note: null };
    if (findSwiftShader()) status.fix = `${status.fix}; or ${ALLOW_FIX} (SwiftShader from Chromium is installed)`;
    return { ...status, adapter: ambient, software: false };
  }
  // Allowed: the software adapter the environment names, else Chromium's SwiftShader.
  const loc = ambient?.software ? null : findSwiftShader();
  if (!ambient?.software && !loc) {
    return { ...down('webgpu', 'no GPU adapter and no SwiftShader software adapter found', SWIFTSHADER_HOWTO), adapter: null, software: false, note: null };
  }
  const env = loc ? swiftShaderEnv(loc) : process.env;
  const adapter = adapterFor(env);
  const status = await probeUntimed('webgpu', env);
  if (!status.usable && gpuFailure) status.detail = [status.detail, `the GPU driver failed first: ${gpuFailure.reason}`].filter(Boolean).join('\n');
  const soft = adapter?.software ?? true;
  return {
    ...status, adapter, software: soft, note: status.usable && soft ? SOFTWARE_ADAPTER_NOTE : null,
    ...(loc && status.usable ? { swiftshader: loc } : {}),
  };
}

/** Probes `name` in this process (the child process's job for GPU providers). */
export async function probeInProcess(name: ProviderName): Promise<ProviderStatus> {
  if (name === 'cuda') {
    // Cheap check first, before loading the native runtime: the npm package gets its
    // CUDA EP from NuGet at install time, on linux/x64 only, and installs done offline
    // or with ONNXRUNTIME_NODE_INSTALL=skip lack it.
    if (`${process.platform}/${process.arch}` !== 'linux/x64') {
      return down(name, `onnxruntime-node ships no CUDA execution provider for ${process.platform}/${process.arch}`,
        'use --ep cpu (or --ep webgpu where a GPU adapter exists)');
    }
    let lib: string;
    try {
      lib = path.join(ortBinaryDir(), 'libonnxruntime_providers_cuda.so');
    } catch (e) {
      return down(name, 'onnxruntime-node is not installed', ORT_FIX, message(e));
    }
    if (!fs.existsSync(lib)) {
      return down(name, 'onnxruntime-node was installed without its CUDA execution provider', CUDA_MISSING_FIX,
        `missing ${lib}`);
    }
  }

  let ort: Ort;
  try {
    ort = loadOrt();
  } catch (e) {
    return down(name, 'onnxruntime-node failed to load', ORT_FIX, message(e));
  }

  try {
    const session = await ort.InferenceSession.create(probeModelBytes(), {
      executionProviders: sessionProviderOptions(name),
      logSeverityLevel: 3, // errors only: the probe should not print ORT warnings
      graphOptimizationLevel: 'disabled',
      // ORT silently appends the CPU EP; forbid it for GPU EPs so a "usable" answer
      // means the Add node really ran there (kOrtSessionOptionsDisableCPUEPFallback).
      ...(name === 'cpu' ? {} : { extra: { session: { disable_cpu_ep_fallback: '1' } } }),
    });
    try {
      const x = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]);
      const out = await session.run({ x });
      const y = out.y?.data as Float32Array | undefined;
      const ok = !!y && y.length === 4 && y[0] === 2 && y[1] === 4 && y[2] === 6 && y[3] === 8;
      if (!ok) {
        return down(name, `the ${name} execution provider ran a one-node test model but returned a wrong result`,
          name === 'cpu' ? ORT_FIX : `update the GPU driver, or use --ep cpu`,
          `x + x for x = [1,2,3,4] gave ${y ? `[${Array.from(y).join(',')}]` : 'no output'}`);
      }
    } finally {
      await session.release();
    }
  } catch (e) {
    return explainFailure(name, message(e));
  }
  return { name, usable: true, reason: null, fix: null };
}

/** Turns a native session error into a reason and a fix the user can act on. */
function explainFailure(name: ProviderName, detail: string): ProviderStatus {
  switch (name) {
    case 'webgpu':
      return /adapter/i.test(detail)
        ? down(name, 'no WebGPU adapter (Dawn found no Vulkan/Metal/D3D12 GPU)', WEBGPU_FIX, detail)
        : down(name, 'the WebGPU execution provider failed to start', WEBGPU_FIX, detail);
    case 'cuda':
      if (/no CUDA-capable device|CUDA driver version is insufficient|cudaErrorNoDevice/i.test(detail)) {
        return down(name, 'no usable CUDA GPU (driver missing or too old for CUDA 12)', CUDA_LIBS_FIX, detail);
      }
      return down(name, 'the CUDA execution provider failed to load (CUDA 12 / cuDNN 9 libraries not found or not loadable)',
        CUDA_LIBS_FIX, detail);
    case 'cpu':
      return down(name, 'the CPU execution provider failed to run a one-node test model', ORT_FIX, detail);
  }
}

function down(name: ProviderName, reason: string, fix: string, detail?: string): ProviderStatus {
  return detail === undefined ? { name, usable: false, reason, fix } : { name, usable: false, reason, fix, detail };
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).trim();
}

// ---- the probe model: y = Add(x, x), x and y float32[4] --------------------------------

let probeBytes: Uint8Array | undefined;

/** The probe model, encoded once with the project's ONNX encoder: IR version 8, opset 13. */
export function probeModelBytes(): Uint8Array {
  if (probeBytes) return probeBytes;
  const io = (name: string) => ({ name, dataType: DataType.FLOAT, shape: [4] });
  probeBytes = encodeModel({
    irVersion: 8,
    opsets: [{ domain: '', version: 13 }],
    producerName: 'slmlab',
    producerVersion: 'probe',
    graph: {
      name: 'slmlab_probe',
      nodes: [{ opType: 'Add', domain: '', name: 'add', inputs: ['x', 'x'], outputs: ['y'], attributes: {} }],
      initializers: [],
      inputs: [io('x')],
      outputs: [io('y')],
    },
    metadata: {},
  });
  return probeBytes;
}
