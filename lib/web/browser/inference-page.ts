/**
 * The in-browser inference page: picks a cached model, has the worker (inference-worker.ts)
 * fetch and open it on WebGPU or WASM, streams its tokens with TTFT and tokens/s, then runs
 * the same prompt on the local service for a side-by-side comparison. The last run's numbers
 * and greedy token ids are left on #result's data attributes (the browser tests read them).
 *
 * ?model=<id or alias> preselects a model; ?backend=wasm|webgpu|auto picks the backend;
 * ?allowSoftwareGpu=1 lets WebGPU run on a software adapter (SwiftShader), labelled as such.
 * ?logits=all opens the model's own graph instead of the last-position-logits rewrite (the default,
 * as in the service; same tokens, shorter prefill); #result's data-logits says which one runs.
 * Without a usable WebGPU adapter the page prefers the int8 twin (fast on WASM), offers to build
 * it (a same-origin POST to /web/models/build-int8) when it is not cached, else runs int4 with a
 * note of the speed to expect.
 */
import type { BrowserManifest } from '../browser-model';
import { byId, el, servedModels, streamChat, syntheticNoteFor, type ServedModel } from './chat-stream';
import { defaultBrowserModels, INT4_ON_WASM_NOTE, looksInt4, WASM_INT4_SPEED_NOTE, WASM_INT8_SHAPE } from './default-model';
import { isSoftwareAdapter, type GpuAdapterLike } from './software-adapter';
import type { FromWorker, ToWorker, BrowserRunResult } from './worker-messages';

const params = new URLSearchParams(location.search);
const allowSoftwareGpu = params.get('allowSoftwareGpu') === '1';
const logitsWanted = params.get('logits') === 'all' ? 'all' : 'last';
const worker = new Worker('/web/assets/inference-worker.js', { type: 'module' });
const send = (m: ToWorker) => worker.postMessage(m);

const modelSelect = byId<HTMLSelectElement>('model');
const backendChoice = byId<HTMLSelectElement>('backend-choice');
const runButton = byId<HTMLButtonElement>('run');
const stopButton = byId<HTMLButtonElement>('stop');
const loadButton = byId<HTMLButtonElement>('load');
const result = byId<HTMLOutputElement>('result');
let models: ServedModel[] = [];
let loadedId: string | null = null;
let loading: BrowserManifest | null = null;
let onToken: ((m: Extract<FromWorker, { type: 'token' }>) => void) | null = null;
let pending: { resolve: (r: BrowserRunResult) => void; reject: (e: Error) => void } | null = null;

const mib = (n: number) => `${(n / 1024 ** 2).toFixed(n < 10 * 1024 ** 2 ? 2 : 0)} MiB`;

function showError(message: string | null): void {
  const e = byId('error');
  e.hidden = message === null;
  e.textContent = message ?? '';
}

function stats(list: HTMLElement, rows: Array<[string, string]>): void {
  list.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', { textContent: v })]));
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === 'progress') {
    const p = byId<HTMLProgressElement>('progress');
    p.max = m.total || 1;
    p.value = m.loaded;
    byId('progress-text').textContent = `${m.file}: ${mib(m.loaded)} of ${mib(m.total)}${m.fromCache ? ' (from the browser cache)' : ''}`;
  } else if (m.type === 'loaded') {
    const engine = m.backend === 'webgpu' ? `WebGPU (${m.detail})` : `WASM (${m.threads} thread${m.threads === 1 ? '' : 's'}, SIMD)`;
    const label = `${engine} · ${m.logits === 'last' ? 'last-position logits' : `logits at every position${m.logitsReason ? ` (${m.logitsReason})` : ''}`}`;
    result.dataset.softwareAdapter = String(m.softwareAdapter);
    byId('backend').textContent = `backend: ${label}`;
    byId('b-backend').textContent = label;
    byId('progress-text').textContent = `loaded in ${(m.loadMs / 1000).toFixed(1)} s${m.fromCache ? ' from the browser cache' : ''}`;
    result.dataset.backend = m.backend;
    result.dataset.logits = m.logits;
    result.dataset.fromCache = String(m.fromCache);
    loadedId = modelSelect.value;
    if (m.backend === 'wasm' && loading && looksInt4(loading.id, loading.folder.synthetic)) {
      const n = byId('model-note');
      n.hidden = false;
      n.textContent = `${n.textContent ? n.textContent + ' ' : ''}${INT4_ON_WASM_NOTE}`;
    }
    document.body.dataset.loaded = loadedId;
    loadButton.disabled = false;
    runButton.disabled = false;
  } else if (m.type === 'token') {
    onToken?.(m);
  } else if (m.type === 'done') {
    pending?.resolve(m.result);
    pending = null;
  } else if (m.type === 'error') {
    loadButton.disabled = false;
    if (pending) { pending.reject(new Error(m.message)); pending = null; } else showError(m.message);
  }
};

/** POST /web/models/<id>/prepare until the model is on disk, showing the progress. */
async function prepareModel(id: string): Promise<void> {
  const note = byId('backend');
  for (;;) {
    const res = await fetch(`/web/models/${encodeURIComponent(id)}/prepare`, { method: 'POST' });
    const body = await res.json() as { state?: string; preparation?: { fraction: number; kind: string }; error?: { message: string } };
    if (res.status === 200) return;
    if (res.status !== 202) throw new Error(body.error?.message ?? `preparing ${id}: ${res.status}`);
    const p = body.preparation;
    note.textContent = `backend: ${p?.kind === 'build' ? 'building' : 'downloading'} ${id} on the service… ${((p?.fraction ?? 0) * 100).toFixed(0)}%`;
    const wait = Math.min(5, Math.max(1, Number(res.headers.get('Retry-After') ?? 2)));
    await new Promise((r) => setTimeout(r, wait * 1000));
  }
}

async function load(): Promise<void> {
  showError(null);
  const id = modelSelect.value;
  let res = await fetch(`/web/models/${encodeURIComponent(id)}/manifest`);
  // A model not on disk: a GET never downloads or builds it (issue 21); this click asks for it.
  if (res.status === 409) {
    await prepareModel(id);
    res = await fetch(`/web/models/${encodeURIComponent(id)}/manifest`);
  }
  const manifest = await res.json() as BrowserManifest & { error?: { message: string } };
  if (!res.ok) throw new Error(manifest.error?.message ?? `manifest of ${id}: ${res.status}`);
  if (manifest.refused) throw new Error(manifest.refused);
  // navigator.deviceMemory (GiB, capped at 8 by the browser) when it exists: half of it for the model.
  const deviceGiB = (navigator as unknown as { deviceMemory?: number }).deviceMemory;
  if (deviceGiB && manifest.totalBytes > (deviceGiB * 1024 ** 3) / 2) {
    throw new Error(`${id} needs ${mib(manifest.totalBytes)}, more than half of this device's ${deviceGiB} GiB: pick a smaller model`);
  }
  loadButton.disabled = true;
  runButton.disabled = true;
  loading = manifest;
  showModelNote();
  byId('backend').textContent = 'backend: loading…';
  const backend = backendChoice.value as 'auto' | 'wasm' | 'webgpu';
  send({ type: 'load', manifest, base: `/web/models/${encodeURIComponent(manifest.id)}/`, backend, threads: Number(params.get('threads') ?? 0), allowSoftwareGpu, logits: logitsWanted });
}

function browserRun(prompt: string, maxTokens: number): Promise<BrowserRunResult> {
  const out = byId('b-out');
  out.textContent = '';
  onToken = (m) => { out.textContent += m.text; };
  return new Promise((resolve, reject) => {
    pending = { resolve, reject };
    send({ type: 'generate', messages: [{ role: 'user', content: prompt }], maxTokens });
  });
}

async function generate(): Promise<void> {
  showError(null);
  const prompt = byId<HTMLTextAreaElement>('prompt').value;
  const maxTokens = Number(byId<HTMLInputElement>('max-tokens').value) || 32;
  runButton.disabled = true;
  stopButton.disabled = false;
  result.dataset.state = 'running';
  try {
    const b = await browserRun(prompt, maxTokens);
    stats(byId('b-stats'), [
      ['TTFT', `${Math.round(b.ttftMs)} ms`],
      ['decode', b.decodeTokensPerSecond === null ? '–' : `${b.decodeTokensPerSecond.toFixed(1)} tok/s`],
      ['tokens', `${b.tokenIds.length} (prompt ${b.promptTokens})`],
      ['total', `${Math.round(b.totalMs)} ms · ${b.finishReason}`],
      ...(b.copies ? [['copies/step', `${b.copies.perStep.hostToDevice} up, ${b.copies.perStep.deviceToHost} down (KV cache ${b.copies.kvOnDevice ? 'on the device' : 'on the host'})`] as [string, string]] : []),
    ]);
    Object.assign(result.dataset, { ids: JSON.stringify(b.tokenIds), ttftMs: String(b.ttftMs), tokensPerSecond: String(b.decodeTokensPerSecond ?? ''), copies: JSON.stringify(b.copies) });
    // After the browser run, not during it: both would share the same CPU cores.
    if (byId<HTMLInputElement>('side-by-side').checked && loadedId) {
      const out = byId('s-out');
      out.textContent = '';
      const s = await streamChat({ model: loadedId, messages: [{ role: 'user', content: prompt }], max_tokens: maxTokens }, (p) => { out.textContent += p; });
      const tps = s.engine?.decode_tokens_per_second ?? null;
      stats(byId('s-stats'), [
        ['TTFT', `${s.ttftMs === null ? '–' : Math.round(s.ttftMs)} ms (engine ${s.engine?.ttft_ms?.toFixed(0) ?? '–'} ms)`],
        ['decode', tps === null ? '–' : `${tps.toFixed(1)} tok/s`],
        ['tokens', String(s.completionTokens ?? s.deltas)],
        ['total', `${Math.round(s.totalMs)} ms · ${s.finishReason ?? ''} · ${s.engine?.provider ?? ''}`],
      ]);
      Object.assign(result.dataset, { serviceTtftMs: String(s.ttftMs ?? ''), serviceTokensPerSecond: String(tps ?? '') });
    }
    result.dataset.state = 'done';
  } catch (e) {
    showError(e instanceof Error ? e.message : String(e));
    result.dataset.state = 'error';
  } finally {
    runButton.disabled = false;
    stopButton.disabled = true;
  }
}

function showModelNote(): void {
  const m = models.find((x) => x.id === modelSelect.value);
  const n = byId('model-note');
  n.hidden = !m?.synthetic;
  n.textContent = m?.synthetic ? syntheticNoteFor(m.id) : '';
}

/** 'gpu', 'software' (SwiftShader, llvmpipe) or 'none': what navigator.gpu gives this page. */
async function webgpuKind(): Promise<'gpu' | 'software' | 'none'> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  return !adapter ? 'none' : isSoftwareAdapter(adapter) ? 'software' : 'gpu';
}

/** No usable WebGPU and no int8 twin picked: the expected WASM speed, and a button that builds the int8 twin. */
function offerInt8(pickedId: string | undefined): void {
  if (pickedId && /int8/i.test(pickedId)) return;
  byId('wasm-advice-text').textContent = WASM_INT4_SPEED_NOTE;
  byId('wasm-advice').hidden = false;
  const button = byId<HTMLButtonElement>('build-int8');
  button.textContent = `Build the int8 twin (${WASM_INT8_SHAPE}, a few minutes)`;
  button.addEventListener('click', () => {
    button.disabled = true;
    byId('wasm-advice-text').textContent = `Building the int8 twin of ${WASM_INT8_SHAPE}…`;
    // A POST (it writes the cache): the service refuses it from any other site.
    fetch('/web/models/build-int8', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ shape: WASM_INT8_SHAPE }) })
      .then(async (res) => {
        const body = await res.json() as { id?: string; error?: { message: string } };
        if (!res.ok || !body.id) throw new Error(body.error?.message ?? `build answered ${res.status}`);
        models = (await servedModels()).filter((m) => m.cached);
        fillModels();
        modelSelect.value = body.id;
        showModelNote();
        byId('wasm-advice').hidden = true;
      })
      .catch((e: unknown) => { button.disabled = false; showError(e instanceof Error ? e.message : String(e)); });
  });
}

function fillModels(): void {
  modelSelect.replaceChildren(...models.map((m) => el('option', { value: m.id, textContent: `${m.id}${m.size_bytes ? ` · ${mib(m.size_bytes)}` : ''}${m.synthetic ? ' · synthetic' : ''}` })));
}

async function main(): Promise<void> {
  const isolated = (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  byId('isolation').textContent = isolated ? 'cross-origin isolated: WASM threads on' : 'not isolated: WASM runs on one thread';
  models = (await servedModels()).filter((m) => m.cached);
  fillModels();
  const wanted = params.get('model');
  const kind = await webgpuKind();
  const hasGpu = kind === 'gpu' || (kind === 'software' && allowSoftwareGpu);
  document.body.dataset.webgpu = kind;
  const pick = models.find((m) => m.id === wanted || m.alias === wanted)
    ?? defaultBrowserModels(hasGpu).map((name) => models.find((m) => m.id === name || m.alias === name)).find(Boolean)
    ?? models[0];
  if (pick) modelSelect.value = pick.id;
  if (!hasGpu && !wanted) offerInt8(pick?.id);
  const backend = params.get('backend');
  if (backend === 'wasm' || backend === 'webgpu' || backend === 'auto') backendChoice.value = backend;
  if (!models.length) showError('no model is in the slmlab cache: build one with `slmlab model build tiny`, then reload');
  modelSelect.addEventListener('change', showModelNote);
  showModelNote();
  loadButton.addEventListener('click', () => { load().catch((e: unknown) => { loadButton.disabled = false; showError(e instanceof Error ? e.message : String(e)); }); });
  runButton.addEventListener('click', () => { void generate(); });
  stopButton.addEventListener('click', () => send({ type: 'stop' }));
  document.body.dataset.ready = 'true';
}

main().catch((e: unknown) => showError(`the page could not start: ${e instanceof Error ? e.message : String(e)}`));
