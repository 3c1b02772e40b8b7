/**
 * The in-browser inference worker: fetches a cached model's files from the slmlab service
 * (by model id and file name only), keeps them in Cache Storage so a reload does not fetch
 * them again, opens an onnxruntime-web session on WebGPU when the browser has an adapter and
 * on WASM otherwise, and generates token by token with the engine's own code: TextTokenizer
 * (tokenizer + chat template), DecoderSession (KV cache) and generate() (greedy / sampling
 * loop), bundled for the browser by esbuild (lib/web/bundle.ts).
 *
 * By default the fetched graph is rewritten for last-position logits before the session opens,
 * as the service does (lib/engine/last-position-logits.ts): the same tokens, a shorter prefill.
 * The rewrite runs here, on the bytes of model.onnx (the graph; the weights file is untouched),
 * so the service serves each file as it is on disk and Cache Storage keeps the model's own files.
 * A graph the rewrite cannot change opens as it is, and the page shows the reason.
 */
import * as ort from 'onnxruntime-web';
import { DecoderSession } from '../../engine/decoder-session';
import { DEVICE_OUTPUTS } from '../../engine/device-kv';
import { generate, type GenerationContext } from '../../engine/generate';
import { lastPositionBytes } from '../../engine/last-position-logits';
import type { ModelFolder } from '../../engine/model-folder';
import { TextTokenizer, type TokenizerFileTexts } from '../../engine/tokenizer';
import type { BrowserManifest, BrowserModelFile } from '../browser-model';
import type { Backend, FromWorker, LogitsMode, ToWorker } from './worker-messages';
import { isSoftwareAdapter, SOFTWARE_ADAPTER_NOTE, type GpuAdapterLike } from './software-adapter';

const CACHE_NAME = 'slmlab-models';

interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  crossOriginIsolated: boolean;
}
const scope = self as unknown as WorkerScope;
const post = (m: FromWorker) => scope.postMessage(m);

let model: GenerationContext | null = null;
let stopRequested = false;

/** The bytes of one model file: from Cache Storage when present, else streamed with progress and cached. */
async function fetchFile(base: string, file: BrowserModelFile): Promise<{ bytes: Uint8Array; fromCache: boolean }> {
  const url = `${base}files/${encodeURIComponent(file.name)}`;
  const key = `${url}?v=${encodeURIComponent(file.version)}`;
  const cache = typeof caches !== 'undefined' ? await caches.open(CACHE_NAME) : null;
  const hit = await cache?.match(key);
  if (hit) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    post({ type: 'progress', file: file.name, loaded: bytes.length, total: file.bytes, fromCache: true });
    return { bytes, fromCache: true };
  }
  const res = await fetch(url);
  if (!res.ok || !res.body) {
    const body = await res.json().catch(() => null) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `GET ${url} answered ${res.status}`);
  }
  const bytes = new Uint8Array(file.bytes);
  const reader = res.body.getReader();
  let loaded = 0;
  let reported = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.length > bytes.length) throw new Error(`${file.name} is larger than the manifest says: the model changed on disk, reload the page`);
    bytes.set(value, loaded);
    loaded += value.length;
    if (loaded - reported >= 4 * 1024 * 1024 || loaded === bytes.length) {
      reported = loaded;
      post({ type: 'progress', file: file.name, loaded, total: file.bytes, fromCache: false });
    }
  }
  if (loaded !== bytes.length) throw new Error(`${file.name} ended after ${loaded} of ${bytes.length} bytes: reload the page to fetch it again`);
  if (cache) {
    try {
      // Older versions of the same file would only take space.
      for (const old of await cache.keys()) if (old.url.startsWith(new URL(url, location.href).href + '?')) await cache.delete(old);
      await cache.put(key, new Response(bytes));
    } catch (e) {
      // Caching saves the next download; failing to cache (quota) must not fail this load.
      post({ type: 'progress', file: `${file.name} (not cached: ${e instanceof Error ? e.message : String(e)})`, loaded, total: file.bytes, fromCache: false });
    }
  }
  return { bytes, fromCache: false };
}

interface Picked { backend: Backend; detail: string; softwareAdapter: boolean; note: string | null }

/**
 * WebGPU when asked for (or 'auto') and the browser gives an adapter; WASM otherwise. A software
 * adapter (SwiftShader, llvmpipe: WebGPU computed on the CPU) is used only when allowed
 * (?allowSoftwareGpu=1), and labelled: it proves the WebGPU path, not GPU speed.
 */
async function pickBackend(wanted: 'auto' | Backend, allowSoftware: boolean): Promise<Picked> {
  if (wanted !== 'wasm') {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
    const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
    if (adapter) {
      const info = adapter.info ?? {};
      const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || '(unnamed)';
      const software = isSoftwareAdapter(adapter);
      if (!software) return { backend: 'webgpu', detail: `WebGPU adapter ${name}`, softwareAdapter: false, note: null };
      if (allowSoftware) return { backend: 'webgpu', detail: `WebGPU adapter ${name}: ${SOFTWARE_ADAPTER_NOTE}`, softwareAdapter: true, note: SOFTWARE_ADAPTER_NOTE };
      if (wanted === 'webgpu') throw new Error(`the only WebGPU adapter is a software one (${name}): add ?allowSoftwareGpu=1 to the page's address to use it anyway (${SOFTWARE_ADAPTER_NOTE}), or choose WASM`);
      return { backend: 'wasm', detail: `WebAssembly SIMD (the WebGPU adapter ${name} is a software one; ?allowSoftwareGpu=1 uses it)`, softwareAdapter: false, note: null };
    }
    if (wanted === 'webgpu') throw new Error('this browser has no WebGPU adapter (navigator.gpu.requestAdapter() gave none): choose the WASM backend, or enable WebGPU in the browser');
  }
  return { backend: 'wasm', detail: 'WebAssembly SIMD', softwareAdapter: false, note: null };
}

async function load(manifest: BrowserManifest, base: string, wanted: 'auto' | Backend, threads: number, allowSoftware: boolean, logitsWanted: LogitsMode): Promise<void> {
  if (manifest.refused) throw new Error(manifest.refused);
  const started = performance.now();
  if (model) { await model.session.release(); model = null; }
  const { backend, detail, softwareAdapter, note } = await pickBackend(wanted, allowSoftware);
  // Threads need SharedArrayBuffer, i.e. a cross-origin isolated page (COOP + COEP headers).
  const maxThreads = scope.crossOriginIsolated ? Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 8)) : 1;
  ort.env.wasm.numThreads = threads > 0 ? Math.min(threads, maxThreads) : maxThreads;
  ort.env.wasm.wasmPaths = new URL('/web/ort/', location.href).href;

  let fromCache = true;
  const texts: Record<string, string> = {};
  const external: { path: string; data: Uint8Array }[] = [];
  let modelBytes: Uint8Array | null = null;
  for (const f of manifest.files) {
    const got = await fetchFile(base, f);
    fromCache &&= got.fromCache;
    if (f.role === 'tokenizer') texts[f.name] = new TextDecoder().decode(got.bytes);
    else if (f.role === 'model') modelBytes = got.bytes;
    else external.push({ path: f.name.slice(f.name.lastIndexOf('/') + 1), data: got.bytes });
  }
  if (!modelBytes) throw new Error(`the manifest of ${manifest.id} names no .onnx file`);
  const files: TokenizerFileTexts = {
    tokenizerJson: texts['tokenizer.json'], tokenizerConfig: texts['tokenizer_config.json'],
    inferenceModel: texts['inference_model.json'] ?? null, chatTemplateJinja: texts['chat_template.jinja'] ?? null,
  };
  const tokenizer = TextTokenizer.fromFiles(files, manifest.id);
  // WebGPU: the KV cache stays in GPU buffers between steps; only the logits are read back (device-kv.ts).
  let logits: LogitsMode = 'all';
  let logitsReason: string | null = logitsWanted === 'all' ? 'the page was opened with ?logits=all' : null;
  if (logitsWanted === 'last') {
    const r = lastPositionBytes(modelBytes);
    if (r.bytes) { modelBytes = r.bytes; logits = 'last'; } else logitsReason = r.reason;
  }
  const session = await ort.InferenceSession.create(modelBytes, {
    executionProviders: [backend], externalData: external, graphOptimizationLevel: 'all', logSeverityLevel: 3,
    ...(backend === 'webgpu' ? { preferredOutputLocation: DEVICE_OUTPUTS } : {}),
  });
  const decoder = DecoderSession.fromSession(session as unknown as Parameters<typeof DecoderSession.fromSession>[0], backend === 'webgpu' ? 'webgpu' : 'cpu', backend === 'webgpu');
  model = { session: decoder, tokenizer, folder: manifest.folder as ModelFolder, provider: decoder.provider };
  post({ type: 'loaded', backend, detail, loadMs: performance.now() - started, fromCache, threads: ort.env.wasm.numThreads ?? 1, softwareAdapter, note, logits, logitsReason });
}

async function run(msg: Extract<ToWorker, { type: 'generate' }>): Promise<void> {
  if (!model) throw new Error('no model is loaded: press Load first');
  stopRequested = false;
  const started = performance.now();
  const r = await generate(model, { messages: msg.messages, maxTokens: msg.maxTokens, temperature: 0 }, {
    onDelta: (d) => post({ type: 'token', index: d.index, tokenId: d.tokenId, text: d.text, ms: performance.now() - started }),
    shouldAbort: () => stopRequested,
  });
  post({
    type: 'done',
    result: {
      tokenIds: r.tokenIds, text: r.text, promptTokens: r.promptTokens, ttftMs: r.timings.ttftMs,
      decodeTokensPerSecond: r.decodeTokensPerSecond, totalMs: r.timings.totalMs, finishReason: r.finishReason,
      copies: r.timings.copies ?? null,
    },
  });
}

scope.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === 'stop') { stopRequested = true; return; }
  const work = msg.type === 'load' ? load(msg.manifest, msg.base, msg.backend, msg.threads, msg.allowSoftwareGpu, msg.logits) : run(msg);
  work.catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
