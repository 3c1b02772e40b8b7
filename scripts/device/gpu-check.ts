/**
 * The GPU check, run on a machine with an NVIDIA GPU by scripts/device/run-on-device.sh
 * (never by tests). It imports only the engine and the benchmark runner (no nodejs-polars,
 * so the packed bundle stays small), and writes into the folder given as its argument:
 *
 *   providers.json   slmlab's probe of cpu, webgpu and cuda (usable, reason, native detail, the
 *                    webgpu adapter: vendor, architecture, device type, driver, software or GPU)
 *   solo.json        the qwen2.5-0.5b twin on each usable provider, loaded with the engine:
 *                    load ms, TTFT ms, decode tok/s (median of --rounds), batch of 4 aggregate tok/s,
 *                    process RSS, GPU memory used after the load (nvidia-smi), host<->device copies per step
 *   results.jsonl    the default grid with --providers cpu,webgpu,cuda (the runner's own records;
 *                    `slmlab report results.jsonl` turns them into the report on any machine)
 *   gpu-memory.json  nvidia-smi's memory.used before, after each load, and at the end (absent without nvidia-smi)
 *
 *   node dist/scripts/device/gpu-check.js OUT_DIR [--rounds 3] [--skip-grid] [--software]
 *
 * --software: the dry run for a machine without a GPU (here, CI): webgpu on the software adapter
 * (Chromium's SwiftShader, lib/engine/swiftshader.ts), with `tiny` instead of the 0.5B twin (which
 * SwiftShader cannot finish in minutes) and a one-round grid; every webgpu number it writes is
 * marked "software adapter — correctness only, not GPU speed".
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scriptArgs } from '../../lib/util/argv';
import { probeProviders, type ProviderName } from '../../lib/engine/providers';
import { loadModel } from '../../lib/engine/engine';
import { buildModel } from '../../lib/cache/build-model';
import { loadGrid } from '../../lib/bench/grid/load';
import { runGrid } from '../../lib/bench/runner';
import { execFileSync } from 'node:child_process';

/** nvidia-smi's memory.used in MiB per GPU; null when there is no nvidia-smi (no NVIDIA GPU, or the dry run). */
function gpuMemoryMiB(): number[] | null {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 20_000 });
    return out.trim().split('\n').map((l) => Number(l.trim())).filter((n) => Number.isFinite(n));
  } catch {
    return null;
  }
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : NaN; };

const ARGS = {
  name: 'gpu-check',
  usage: 'node dist/scripts/device/gpu-check.js OUT_DIR [options]',
  about: 'Probes the providers, times the twin on each usable one and runs the default grid, writing JSON into OUT_DIR (see the header of scripts/device/gpu-check.ts).',
  positionals: [{ name: 'OUT_DIR', help: 'the folder the results are written into' }],
  options: {
    rounds: { type: 'int', min: 1, default: 3, help: 'measured rounds per provider' },
    'skip-grid': { type: 'flag', help: 'skip the default grid' },
    software: { type: 'flag', help: "dry run on the software WebGPU adapter (SwiftShader) with tiny: correctness only, not GPU speed" },
  },
} as const;

async function main(): Promise<void> {
  const { values: { rounds, software, 'skip-grid': skipGrid }, positionals: [out] } = scriptArgs(ARGS);
  const memory: Record<string, number[] | null> = { before: gpuMemoryMiB() };
  fs.mkdirSync(out, { recursive: true });
  const write = (name: string, v: unknown) => fs.writeFileSync(path.join(out, name), JSON.stringify(v, null, 2) + '\n');
  const log = (s: string) => process.stderr.write(`[gpu-check] ${s}\n`);

  const providers = await probeProviders({ allowSoftwareGpu: software });
  write('providers.json', { host: os.hostname(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, providers });
  for (const p of providers) log(`${p.name}: ${p.usable ? 'usable' : `not usable: ${p.reason}`}`);

  const twin = await buildModel({ shape: software ? 'tiny' : 'qwen2.5-0.5b', precision: 'int4' });
  const solo: Record<string, unknown>[] = [];
  for (const p of providers.filter((x) => x.usable).map((x) => x.name as ProviderName)) {
    try {
      const t0 = performance.now();
      const model = await loadModel(twin.dir, { provider: p, maxBatch: 4, allowSoftwareGpu: software });
      const loadMs = performance.now() - t0;
      memory[`after-load-${p}`] = gpuMemoryMiB();
      const req = { prompt: 'The quick brown fox jumps over the lazy dog while a small robot counts the stars above the quiet harbour.', raw: true, maxTokens: 64 };
      await model.complete({ ...req, maxTokens: 4 });
      const ttft: number[] = [];
      const tps: number[] = [];
      let copies: unknown = null;
      for (let r = 0; r < rounds; r++) {
        const res = await model.complete(req);
        ttft.push(res.timings.ttftMs);
        if (res.decodeTokensPerSecond !== null) tps.push(res.decodeTokensPerSecond);
        copies = res.timings.copies ?? null;
      }
      const b0 = performance.now();
      const four = await Promise.all(Array.from({ length: 4 }, (_, i) => model.complete({ ...req, prompt: `${i} ${req.prompt}` })));
      const aggregate = four.reduce((a, r) => a + r.completionTokens, 0) / (performance.now() - b0) * 1000;
      solo.push({
        provider: p, model: twin.id, adapter: model.adapter, note: model.adapterNote, loadMs, ttftMs: median(ttft), decodeTokS: median(tps),
        batch4AggregateTokS: aggregate, batching: model.info.batching, copies, rssMiB: process.memoryUsage().rss / 2 ** 20, gpuMemoryMiB: memory[`after-load-${p}`],
      });
      log(`${p}: TTFT ${median(ttft).toFixed(1)} ms, decode ${median(tps).toFixed(1)} tok/s, 4 together ${aggregate.toFixed(1)} tok/s${model.adapterNote ? ` (${model.adapterNote})` : ''}`);
      await model.dispose();
    } catch (e) {
      solo.push({ provider: p, error: (e as Error).message });
      log(`${p}: failed: ${(e as Error).message}`);
    }
  }
  write('solo.json', solo);

  if (!skipGrid) {
    const grid = loadGrid(path.join(__dirname, '..', '..', '..', 'data', 'grids', 'default.json'));
    const spec = software
      ? { ...grid, models: ['tiny'], providers: ['cpu', 'webgpu', 'cuda'], allowSoftwareGpu: true, rounds: 1, warmup: 0, maxTokens: 8, prompts: ['workshop#haiku-ocean'] }
      : { ...grid, providers: ['cpu', 'webgpu', 'cuda'] };
    const result = await runGrid(spec, { resultsFile: path.join(out, 'results.jsonl'), env: {} });
    log(`grid: ${JSON.stringify(result.counts)}`);
  }
  memory.end = gpuMemoryMiB();
  if (memory.before !== null) write('gpu-memory.json', memory);
}

main().catch((e) => { process.stderr.write(`[gpu-check] failed: ${(e as Error).stack ?? String(e)}\n`); process.exit(1); });
