/**
 * bench-twin-layout: the two twin layouts side by side on one shape (default qwen2.5-0.5b, int4):
 *
 *   classic  model.onnx_data, a float embedding table and a separate int4 lm_head
 *            (the ONNX Runtime GenAI builder's graph before v0.15)
 *   v0.15    model.onnx.data, one int4 matrix shared by the embedding (GatherBlockQuantized)
 *            and the lm_head (MatMulNBits), as the builder writes tied models since v0.15
 *
 *   npm run bench:twin-layout -- --rounds 5 --tokens 32
 *
 * Each measurement is a fresh child process (so RSS is that model's alone): it loads the
 * folder with the engine (wall time of loadModel), reads its RSS, decodes --tokens greedy
 * tokens from a fixed raw prompt, and reports the engine's decode tok/s and the RSS after
 * decoding. Rounds alternate the order (classic first, then v0.15 first, ...) so a slow drift
 * of a shared machine hits both alike; the summary is the median of each metric and the
 * median of the per-round ratios v0.15 / classic.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { median } from '../../lib/bench/stats';
import type { BuilderStyle } from '../../lib/synth/write-model';
import { buildModel } from '../../lib/cache/build-model';
import { loadModel } from '../../lib/engine/engine';
import { scriptArgs } from '../../lib/util/argv';

interface Sample { loadMs: number; rssAfterLoadMb: number; rssAfterDecodeMb: number; decodeTps: number; tokens: number }

const PROMPT = 'Explain retrieval augmented generation briefly. '.repeat(4);

async function child(dir: string, tokens: number, threads: number): Promise<void> {
  const t0 = performance.now();
  const model = await loadModel(dir, { threads });
  const loadMs = performance.now() - t0;
  const rssAfterLoadMb = process.memoryUsage().rss / 2 ** 20;
  const r = await model.complete({ prompt: PROMPT, raw: true, maxTokens: tokens, temperature: 0 });
  const rssAfterDecodeMb = process.memoryUsage().rss / 2 ** 20;
  await model.dispose();
  const s: Sample = { loadMs, rssAfterLoadMb, rssAfterDecodeMb, decodeTps: r.decodeTokensPerSecond ?? NaN, tokens: r.completionTokens };
  process.stdout.write(JSON.stringify(s) + '\n');
}

function folderBytes(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((a, e) => a + (e.isDirectory() ? folderBytes(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size), 0);
}

const ARGS = {
  name: 'bench-twin-layout',
  usage: 'node dist/scripts/bench/twin-layout.js [options]',
  about: "The classic twin layout against the builder-v0.15 one, each run in a fresh process, interleaved (see the header of scripts/bench/twin-layout.ts). Its own children are started with --child FOLDER TOKENS THREADS.",
  options: {
    shape: { type: 'string', value: 'NAME', default: 'qwen2.5-0.5b', help: 'synthetic twin to build or reuse in both layouts' },
    rounds: { type: 'int', min: 1, default: 5, help: 'measured rounds' },
    tokens: { type: 'int', min: 2, default: 32, help: 'new tokens per run' },
    threads: { type: 'int', min: 0, default: 0, help: 'ONNX Runtime intra-op threads (0: its choice)' },
  },
} as const;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1], Number(argv[2]), Number(argv[3]));
  const { shape, rounds, tokens, threads } = scriptArgs(ARGS, argv).values;

  const styles: BuilderStyle[] = ['classic', 'v0.15'];
  const dirs: Record<string, string> = {};
  for (const builder of styles) {
    const r = await buildModel({ shape, precision: 'int4', builder });
    dirs[builder] = r.dir;
    process.stderr.write(`${builder}: ${r.dir} (${r.reused ? 'reused' : `built in ${r.seconds.toFixed(0)} s`})\n`);
  }
  const samples: Record<string, Sample[]> = { classic: [], 'v0.15': [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? styles : [...styles].reverse();
    for (const builder of order) {
      const out = execFileSync(process.execPath, [__filename, '--child', dirs[builder], String(tokens), String(threads)], { encoding: 'utf8' });
      const s = JSON.parse(out.trim().split('\n').pop()!) as Sample;
      samples[builder].push(s);
      process.stderr.write(`round ${round + 1} ${builder}: load ${s.loadMs.toFixed(0)} ms, rss ${s.rssAfterDecodeMb.toFixed(0)} MB, ${s.decodeTps.toFixed(1)} tok/s\n`);
    }
  }
  const metrics: (keyof Sample)[] = ['loadMs', 'rssAfterLoadMb', 'rssAfterDecodeMb', 'decodeTps'];
  const med = (b: string, k: keyof Sample) => median(samples[b].map((s) => s[k])) ?? NaN;
  const ratio = (k: keyof Sample) => median(samples['v0.15'].map((s, i) => s[k] / samples.classic[i][k])) ?? NaN;
  const rows = [
    ['metric', 'classic', 'v0.15', 'v0.15 / classic (median of per-round ratios)'],
    ['folder size (MB)', (folderBytes(dirs.classic) / 1e6).toFixed(1), (folderBytes(dirs['v0.15']) / 1e6).toFixed(1), (folderBytes(dirs['v0.15']) / folderBytes(dirs.classic)).toFixed(3)],
    ...metrics.map((k) => [k, med('classic', k).toFixed(1), med('v0.15', k).toFixed(1), ratio(k).toFixed(3)]),
  ];
  process.stdout.write(`${shape} int4, ${rounds} rounds, ${tokens} tokens, threads ${threads || 'ORT default'}\n`);
  process.stdout.write(rows.map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n');
}

main().catch((e: Error) => { process.stderr.write(`bench-twin-layout: ${e.message}\n`); process.exit(1); });
