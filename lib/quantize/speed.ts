/**
 * The practical side of a comparison: file size, load time, peak memory, prefill and decode
 * speed. Each sample is one child process (speed-child.ts) that loads the model cold, runs
 * one prefill and a greedy decode, and exits. Models are interleaved round by round
 * (A B A B ...), so load on a shared machine falls on all of them alike, and each figure is
 * the median over rounds.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { median } from '../bench/stats';
import { EngineCrashedError } from '../errors';
import { inspectModelFolder } from '../engine/model-folder';

const run = promisify(execFile);

export interface SpeedSample {
  loadMs: number;
  prefillMs: number;
  decodeMs: number;
  prefillTokens: number;
  decodeTokens: number;
  peakRssBytes: number;
}

export interface SpeedRecord {
  model: string;
  dir: string;
  /** Bytes of the .onnx file and its external data. */
  sizeBytes: number;
  rounds: number;
  loadMs: number;
  peakRssBytes: number;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
}

export interface SpeedOptions {
  rounds?: number;
  prefillTokens?: number;
  decodeTokens?: number;
  /** Intra-op threads per sample (0: ONNX Runtime's default). */
  threads?: number;
  onSample?: (model: string, round: number) => void;
}

export const SPEED_DEFAULTS = { rounds: 3, prefillTokens: 128, decodeTokens: 32, threads: 0 } as const;

/** Bytes of a folder's decoder: the .onnx and every data file beside it that it names. */
export function modelBytes(dir: string): number {
  const folder = inspectModelFolder(dir);
  const onnxDir = path.dirname(folder.onnxPath);
  const base = path.basename(folder.onnxPath);
  return fs.readdirSync(onnxDir).filter((f) => f === base || f.startsWith(`${base}_data`) || f.startsWith(`${base}.data`))
    .reduce((a, f) => a + fs.statSync(path.join(onnxDir, f)).size, 0);
}

export async function measureSpeed(models: { name: string; dir: string }[], opts: SpeedOptions = {}): Promise<SpeedRecord[]> {
  const o = { ...SPEED_DEFAULTS, ...opts };
  const child = path.join(__dirname, 'speed-child.js');
  const samples = models.map(() => [] as SpeedSample[]);
  for (let r = 0; r < o.rounds; r++) {
    // interleaved, and the order alternates each round so neither model always goes first
    const order = models.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order) {
      opts.onSample?.(models[i].name, r);
      const onnx = inspectModelFolder(models[i].dir).onnxPath;
      try {
        const { stdout } = await run(process.execPath, [child, onnx, String(o.prefillTokens), String(o.decodeTokens), String(o.threads)], { maxBuffer: 1 << 20 });
        samples[i].push(JSON.parse(stdout) as SpeedSample);
      } catch (e) {
        const err = e as { stderr?: string; message: string };
        throw new EngineCrashedError(`timing '${models[i].name}' failed: ${(err.stderr || err.message).split('\n')[0]}`);
      }
    }
  }
  return models.map((m, i) => {
    const s = samples[i];
    const med = (xs: number[]) => median(xs) ?? NaN;
    return {
      model: m.name, dir: m.dir, sizeBytes: modelBytes(m.dir), rounds: s.length,
      loadMs: med(s.map((x) => x.loadMs)),
      peakRssBytes: med(s.map((x) => x.peakRssBytes)),
      prefillTokensPerSecond: med(s.map((x) => x.prefillTokens / (x.prefillMs / 1000))),
      decodeTokensPerSecond: med(s.map((x) => x.decodeTokens / (x.decodeMs / 1000))),
    };
  });
}
