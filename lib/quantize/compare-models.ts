/**
 * `slmlab model compare <base> <candidate>`: what a quantised copy loses in fidelity
 * (teacher-forced KL divergence, top-1 agreement, top-5 overlap, perplexity; fidelity.ts)
 * and gains in size and speed (speed.ts), as plain records a notebook turns into a DataFrame.
 *
 * Both models read the same token ids (the base's tokenizer), window by window, from an
 * empty cache; every position of every window is compared.
 */
import * as path from 'node:path';
import { DecoderSession } from '../engine/decoder-session';
import { TextTokenizer } from '../engine/tokenizer';
import { inspectModelFolder } from '../engine/model-folder';
import { InvalidRequestError } from '../errors';
import { locateModel } from '../registry/locate-model';
import { compareWindow, summarizeFidelity, type FidelitySummary, type PositionStats } from './fidelity';
import { measureSpeed, type SpeedOptions, type SpeedRecord } from './speed';
import { defaultTexts } from './texts';

export interface ModelCompareOptions extends SpeedOptions {
  /** Texts to read (default: the workshop prompts and the shipped paragraphs). */
  texts?: string[];
  /** Tokens per teacher-forced window (default 128). */
  windowTokens?: number;
  /** Also time both models (default true). */
  speed?: boolean;
}

export interface FidelityRecord extends FidelitySummary {
  base: string;
  candidate: string;
  texts: number;
}

export interface ComparisonRecord {
  base: { name: string; dir: string };
  candidate: { name: string; dir: string };
  fidelity: FidelityRecord;
  /** Base first, then the candidate; empty when speed was not measured. */
  speed: SpeedRecord[];
  /** How to read the figures (synthetic twins' perplexity means little). */
  note: string;
}

export const SYNTHETIC_FIDELITY_NOTE = 'perplexity of a random-weight twin means little (its text is meaningless); KL and agreement between a twin and its quantised copy still measure the numeric damage of quantisation';

async function resolve(name: string): Promise<{ name: string; dir: string; synthetic: boolean }> {
  const located = await locateModel(name);
  const folder = inspectModelFolder(located.dir);
  return { name: folder.name === path.basename(located.dir) ? located.id : folder.name, dir: located.dir, synthetic: located.synthetic || folder.synthetic !== null };
}

/** Teacher-forced fidelity of `candidate` to `base` over `texts`. */
export async function measureFidelity(baseDir: string, candidateDir: string, texts: readonly string[], windowTokens = 128, threads = 0): Promise<{ summary: FidelitySummary; positions: PositionStats[] }> {
  return (await measureFidelityMany(baseDir, [candidateDir], texts, windowTokens, threads))[0];
}

/**
 * Fidelity of several candidates to one base: the base runs once per window and its logits
 * are kept (windows x V floats: about 0.6 MB per position for a 151936-token vocabulary), then
 * each candidate is loaded in turn and compared with them.
 */
export async function measureFidelityMany(baseDir: string, candidateDirs: readonly string[], texts: readonly string[], windowTokens = 128, threads = 0,
  onCandidate?: (dir: string) => void): Promise<{ summary: FidelitySummary; positions: PositionStats[] }[]> {
  if (!texts.length) throw new InvalidRequestError('no texts to compare on: pass --text FILE with at least one paragraph', 'text');
  if (!(windowTokens >= 2)) throw new InvalidRequestError(`window of ${windowTokens} tokens is too short: use 2 or more`, 'windowTokens');
  const tokenizer = await TextTokenizer.fromFolder(baseDir);
  const options = { provider: 'cpu' as const, threads };
  const windows: number[][] = [];
  for (const text of texts) {
    const ids = tokenizer.encode(text);
    for (let at = 0; at + 1 < ids.length; at += windowTokens) {
      const window = ids.slice(at, at + windowTokens);
      if (window.length >= 2) windows.push(window);
    }
  }
  const base = await DecoderSession.create(inspectModelFolder(baseDir).onnxPath, options);
  const baseLogits: { data: Float32Array; V: number }[] = [];
  try {
    for (const w of windows) {
      const p = await base.allLogits(w);
      baseLogits.push({ data: p.data, V: p.dims[p.dims.length - 1] });
    }
  } finally {
    await base.release();
  }
  const results: { summary: FidelitySummary; positions: PositionStats[] }[] = [];
  for (const dir of candidateDirs) {
    onCandidate?.(dir);
    const candidate = await DecoderSession.create(inspectModelFolder(dir).onnxPath, options);
    try {
      const positions: PositionStats[] = [];
      for (let i = 0; i < windows.length; i++) {
        const q = await candidate.allLogits(windows[i]);
        const { data, V } = baseLogits[i];
        if (q.dims[q.dims.length - 1] !== V) throw new InvalidRequestError(`the models have different vocabularies (${V} and ${q.dims[q.dims.length - 1]} logits): compare a model with its own quantised copy`, 'candidate');
        positions.push(...compareWindow(data, q.data, V, windows[i]));
      }
      results.push({ summary: summarizeFidelity(positions), positions });
    } finally {
      await candidate.release();
    }
  }
  return results;
}

/**
 * Compares `candidate` with `base` (folders, or names `slmlab model run` accepts).
 * Returns plain records: fidelity, and speed of both unless `speed: false`.
 */
export async function compareModels(base: string, candidate: string, opts: ModelCompareOptions = {}): Promise<ComparisonRecord> {
  const b = await resolve(base);
  const c = await resolve(candidate);
  const texts = opts.texts ?? defaultTexts();
  const { summary } = await measureFidelity(b.dir, c.dir, texts, opts.windowTokens, opts.threads);
  const speed = opts.speed === false ? [] : await measureSpeed([{ name: b.name, dir: b.dir }, { name: c.name, dir: c.dir }], opts);
  return {
    base: { name: b.name, dir: b.dir }, candidate: { name: c.name, dir: c.dir },
    fidelity: { base: b.name, candidate: c.name, texts: texts.length, ...summary },
    speed,
    note: b.synthetic || c.synthetic ? SYNTHETIC_FIDELITY_NOTE : 'KL and agreement measure how far the candidate moved from the base; perplexity measures each model on the text',
  };
}
