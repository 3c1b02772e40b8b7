/**
 * The webgpu execution provider for real, on a software adapter: Chromium's SwiftShader Vulkan
 * driver (lib/engine/swiftshader.ts). Greedy ids on webgpu equal cpu's for two small shapes, a
 * grid writes real webgpu rows marked "software adapter — correctness only, not GPU speed", and
 * the device-resident KV cache (lib/engine/device-kv.ts) gives the same tokens with fewer copies.
 * Without Chromium's SwiftShader the engine tests skip and say why; the adapter-naming tests
 * run everywhere (they use manifests written into a temp folder).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeIcd, icdManifests, adapterFor, SOFTWARE_ADAPTER_NOTE } from '../lib/engine/adapter';
import { findSwiftShader, swiftShaderEnv, SWIFTSHADER_HOWTO } from '../lib/engine/swiftshader';
import { probeProviders, softwareGpuAllowed } from '../lib/engine/providers';
import { loadModel } from '../lib/engine/engine';
import { runGrid } from '../lib/bench/runner';
import { readRecords } from '../lib/bench/store';
import { summarizeResults, formatSummary } from '../lib/analysis';
import type { ModelShape } from '../lib/synth/shapes';
import { buildModel } from '../lib/cache/build-model';
import { buildTiny, makeTempDir, removeTempDir } from './helpers/models';

const swiftshader = findSwiftShader();
const skip = swiftshader ? false : `no SwiftShader Vulkan driver (Chromium) on this machine: ${SWIFTSHADER_HOWTO}`;

/** A second small shape, Llama-style (no QKV bias, Llama 3 RoPE scaling, 4:1 GQA), built int4 (MatMulNBits on webgpu). */
const TINY_LLAMA: ModelShape = {
  name: 'tiny-llama', twinOf: null, modelType: 'llama',
  layers: 3, hidden: 128, heads: 8, kvHeads: 2, headSize: 16, ffn: 256, vocab: 259, context: 256, rmsEps: 1e-5,
  rope: { theta: 500_000, partialFactor: 1, llama3: { factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 128 } },
  qkvBias: false, tiedEmbeddings: false, tokenizer: 'byte', differences: ['test shape'],
};

let root: string;
let tinyDir: string | undefined;
let cpuIds: number[] | undefined;
let savedCache: string | undefined;
before(() => {
  root = makeTempDir();
  savedCache = process.env.SLMLAB_CACHE_DIR;
  process.env.SLMLAB_CACHE_DIR = path.join(root, 'cache');
});
after(() => {
  if (savedCache === undefined) delete process.env.SLMLAB_CACHE_DIR; else process.env.SLMLAB_CACHE_DIR = savedCache;
  removeTempDir(root);
});

function manifest(dir: string, name: string, library: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: library, api_version: '1.3.0' } }));
  return file;
}

// ---- naming adapters: no driver needed ------------------------------------------------------

test('describeIcd tells software drivers (SwiftShader, lavapipe) from GPU drivers by their library', () => {
  const dir = fs.mkdtempSync(path.join(root, 'icd-'));
  const ss = describeIcd(manifest(dir, 'vk_swiftshader_icd.json', './libvk_swiftshader.so'));
  assert.equal(ss.software, true);
  assert.equal(ss.vendor, 'google');
  assert.equal(ss.architecture, 'swiftshader');
  assert.equal(ss.deviceType, 'cpu');
  assert.equal(ss.inferred, true);
  assert.match(ss.driver, /libvk_swiftshader\.so \(Vulkan 1\.3\.0\)/);
  const lvp = describeIcd(manifest(dir, 'lvp_icd.x86_64.json', '/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so'));
  assert.equal(lvp.software, true);
  assert.equal(lvp.architecture, 'llvmpipe');
  const nv = describeIcd(manifest(dir, 'nvidia_icd.json', 'libGLX_nvidia.so.0'));
  assert.equal(nv.software, false);
  assert.equal(nv.vendor, 'nvidia');
  assert.equal(nv.deviceType, 'discrete-gpu');
});

test('icdManifests follows VK_ICD_FILENAMES; adapterFor names the only driver exactly', () => {
  const dir = fs.mkdtempSync(path.join(root, 'icd-'));
  const a = manifest(dir, 'vk_swiftshader_icd.json', './libvk_swiftshader.so');
  const b = manifest(dir, 'lvp_icd.json', 'libvulkan_lvp.so');
  assert.deepEqual(icdManifests({ VK_ICD_FILENAMES: `${a}:${b}` }), [a, b]);
  const one = adapterFor({ VK_ICD_FILENAMES: a });
  assert.ok(one);
  assert.equal(one.architecture, 'swiftshader');
  assert.match(one.source, /the only Vulkan driver/);
  const two = adapterFor({ VK_ICD_FILENAMES: `${b}:${a}` });
  assert.equal(two?.architecture, 'swiftshader', 'Dawn refuses lavapipe, so SwiftShader is the pick among software drivers');
  assert.match(two!.source, /picked among 2 manifests/);
});

test('findSwiftShader: SLMLAB_SWIFTSHADER_ICD or a Chromium layout; its env points the loader at it', () => {
  const dir = fs.mkdtempSync(path.join(root, 'chromium-'));
  const icd = manifest(dir, 'vk_swiftshader_icd.json', './libvk_swiftshader.so');
  assert.equal(findSwiftShader({}, [icd]), null, 'a manifest whose library is missing is no driver');
  fs.writeFileSync(path.join(dir, 'libvk_swiftshader.so'), '');
  fs.writeFileSync(path.join(dir, 'libvulkan.so.1'), '');
  const loc = findSwiftShader({}, [path.join(dir, 'nothing.json'), icd]);
  assert.equal(loc?.icd, icd);
  assert.equal(findSwiftShader({ SLMLAB_SWIFTSHADER_ICD: icd }, [])?.icd, icd);
  const env = swiftShaderEnv(loc!, { PATH: '/bin', VK_DRIVER_FILES: '/x.json' });
  assert.equal(env.VK_ICD_FILENAMES, icd);
  assert.equal(env.VK_DRIVER_FILES, undefined);
  if (loc!.loaderDir) assert.equal(env.LD_LIBRARY_PATH, dir);
  assert.match(SWIFTSHADER_HOWTO, /chromium/i);
});

test('softwareGpuAllowed: the flag wins, else SLMLAB_ALLOW_SOFTWARE_GPU', () => {
  const saved = process.env.SLMLAB_ALLOW_SOFTWARE_GPU;
  try {
    delete process.env.SLMLAB_ALLOW_SOFTWARE_GPU;
    assert.equal(softwareGpuAllowed(), false);
    process.env.SLMLAB_ALLOW_SOFTWARE_GPU = '1';
    assert.equal(softwareGpuAllowed(), true);
    assert.equal(softwareGpuAllowed(false), false);
  } finally {
    if (saved === undefined) delete process.env.SLMLAB_ALLOW_SOFTWARE_GPU; else process.env.SLMLAB_ALLOW_SOFTWARE_GPU = saved;
  }
});

// ---- webgpu on SwiftShader ------------------------------------------------------------------

test('probe: webgpu on SwiftShader is usable only when allowed, and labelled', { skip }, async () => {
  const [denied] = await probeProviders({ only: ['webgpu'], allowSoftwareGpu: false });
  if (!denied.usable || denied.software) {
    assert.equal(denied.usable, false);
    assert.match(denied.fix ?? '', /--allow-software-gpu/);
  } // else: a machine with a real GPU; webgpu runs there without asking
  const [allowed] = await probeProviders({ only: ['webgpu'], allowSoftwareGpu: true });
  if (!denied.usable) {
    assert.equal(allowed.usable, true, `${allowed.reason}\n${allowed.detail}`);
    assert.equal(allowed.software, true);
    assert.equal(allowed.adapter?.architecture, 'swiftshader');
    assert.equal(allowed.note, SOFTWARE_ADAPTER_NOTE);
  }
});

async function greedy(dir: string, provider: 'cpu' | 'webgpu', prompt: string, kvOnDevice?: boolean) {
  const model = await loadModel(dir, { provider, allowSoftwareGpu: true, threads: 1, maxBatch: 1, kvOnDevice });
  try {
    const r = await model.generate({ prompt, raw: true, maxTokens: 16, temperature: 0 }).result;
    return { ids: r.tokenIds, timings: r.timings, adapterNote: model.adapterNote };
  } finally {
    await model.dispose();
  }
}

test('tiny (fp32) and a Llama-style int4 shape give the same 16 greedy ids on webgpu as on cpu', { skip }, async () => {
  const tiny = await buildTiny(root, 'tiny-fp32');
  tinyDir = tiny.dir;
  const llama = await buildModel({ shape: TINY_LLAMA, precision: 'int4', out: path.join(root, 'tiny-llama-int4') });
  for (const dir of [tiny.dir, llama.dir]) {
    const cpu = await greedy(dir, 'cpu', 'The quick brown fox');
    const gpu = await greedy(dir, 'webgpu', 'The quick brown fox');
    assert.equal(cpu.ids.length, 16);
    assert.deepEqual(gpu.ids, cpu.ids, `greedy ids differ on webgpu for ${path.basename(dir)}`);
    assert.equal(gpu.adapterNote, SOFTWARE_ADAPTER_NOTE);
    assert.equal(cpu.adapterNote, null);
    // The KV cache stayed on the device (the default on webgpu): only the logits came back each step.
    const c = gpu.timings.copies;
    assert.ok(c && c.kvOnDevice, 'copies are counted on webgpu');
    assert.equal(c.steps, 16, 'prefill + 15 decode steps');
    assert.deepEqual(c.perStep, { hostToDevice: 2, deviceToHost: 1 }, 'input_ids and attention_mask up, logits down');
    assert.equal(cpu.timings.copies, undefined, 'no device on cpu');
  }
  cpuIds = (await greedy(tiny.dir, 'cpu', 'The quick brown fox')).ids;
});

test('webgpu with the KV cache on the host: same tokens, every present tensor down and up again each step', { skip }, async () => {
  assert.ok(tinyDir && cpuIds, 'runs after the greedy-ids test');
  const host = await greedy(tinyDir, 'webgpu', 'The quick brown fox', false);
  assert.deepEqual(host.ids, cpuIds);
  const c = host.timings.copies!;
  assert.equal(c.kvOnDevice, false);
  const kvTensors = 2 * 2; // tiny: 2 layers x (key, value)
  assert.deepEqual(c.perStep, { hostToDevice: 2 + kvTensors, deviceToHost: 1 + kvTensors });
});

test('a grid with providers cpu,webgpu and allowSoftwareGpu writes real, labelled webgpu rows', { skip }, async () => {
  const file = path.join(root, 'grid', 'results.jsonl');
  const r = await runGrid({
    name: 'webgpu-software', models: ['tiny'], providers: ['cpu', 'webgpu'], allowSoftwareGpu: true,
    rounds: 1, warmup: 0, maxTokens: 8, temperature: 0, prompts: ['workshop#haiku-ocean'],
  }, { resultsFile: file, env: {} });
  assert.equal(r.counts.skipped, 0);
  const { records } = readRecords(file);
  const gpu = records.filter((x) => x.provider === 'webgpu');
  const cpu = records.filter((x) => x.provider === 'cpu');
  assert.equal(gpu.length, 1);
  assert.equal(gpu[0].status, 'ok', gpu[0].reason ?? '');
  assert.equal(gpu[0].adapterNote, SOFTWARE_ADAPTER_NOTE);
  assert.equal(cpu[0].adapterNote, null);
  assert.equal(gpu[0].outputSha256, cpu[0].outputSha256, 'same greedy text on both providers');
  const rows = summarizeResults(records);
  assert.equal(rows.find((x) => x.provider === 'webgpu')?.adapterNote, SOFTWARE_ADAPTER_NOTE);
  assert.match(formatSummary(rows), /webgpu \(software adapter — correctness only, not GPU speed\)/);
});
