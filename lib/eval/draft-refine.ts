/**
 * Draft → refine, measured fairly: both models are loaded and warmed up FIRST (their load times
 * are reported on their own), then each round runs the pipeline (small model drafts, larger model
 * refines) and the larger model alone on the same question, alternating, so neither side pays a
 * cold load and machine drift hits both. Totals are medians over rounds; load is excluded from
 * both sides of the comparison.
 *
 *   const d = await draftRefine({ slm: dirSmall, llm: dirLarge, question, rounds: 3 });
 *   d.loads   // [{ model, load_ms, warmup_ms }]     d.stages  // per stage, median ms
 */
import { loadModel, type LoadedModel } from '../engine/engine';
import type { ProviderName } from '../engine/providers';
import type { GenerationResult } from '../engine/types';
import { median } from '../bench/stats';

export interface DraftRefineOptions {
  /** Model folders (locateModel(...).dir) and the names to show. */
  slm: { name: string; dir: string };
  llm: { name: string; dir: string };
  question: string;
  rounds?: number;
  draftMaxTokens?: number;
  refineMaxTokens?: number;
  provider?: ProviderName;
}

export interface LoadRow { model: string; load_ms: number; warmup_ms: number }
export interface StageRow {
  stage: string;
  model: string;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  prep_ms: number | null;
  ttft_ms: number | null;
  generation_ms: number | null;
  total_ms: number;
}

export interface DraftRefineResult {
  loads: LoadRow[];
  /** Medians over rounds: draft, refine, pipeline (draft + refine), direct. */
  stages: StageRow[];
  pipelineMs: number;
  directMs: number;
  /** pipeline / direct: above 1, the pipeline is slower than asking the larger model. */
  ratio: number;
  draft: string;
  refined: string;
  direct: string;
  rounds: number;
}

export const REFINE_SYSTEM = 'Improve the draft answer: fix errors, keep it short.';

const refineMessages = (question: string, draft: string) => [
  { role: 'system' as const, content: REFINE_SYSTEM },
  { role: 'user' as const, content: `Question: ${question}\n\nDraft answer: ${draft}` },
];

function stageOf(name: string, model: string, rs: GenerationResult[]): StageRow {
  const m = (f: (r: GenerationResult) => number) => median(rs.map(f)) ?? NaN;
  return {
    stage: name, model,
    prompt_tokens: m((r) => r.promptTokens), completion_tokens: m((r) => r.completionTokens),
    prep_ms: m((r) => r.timings.tokenizeMs), ttft_ms: m((r) => r.timings.ttftMs),
    generation_ms: m((r) => r.timings.totalMs - r.timings.ttftMs), total_ms: m((r) => r.timings.totalMs),
  };
}

export async function draftRefine(o: DraftRefineOptions): Promise<DraftRefineResult> {
  const rounds = o.rounds ?? 3;
  const provider = o.provider ?? 'cpu';
  const loaded: LoadedModel[] = [];
  try {
    const loads: LoadRow[] = [];
    for (const m of [o.slm, o.llm]) {
      const t0 = performance.now();
      const model = await loadModel(m.dir, { provider });
      const load = performance.now() - t0;
      loaded.push(model);
      const t1 = performance.now();
      await model.complete({ prompt: o.question, maxTokens: 2, temperature: 0 });
      loads.push({ model: m.name, load_ms: load, warmup_ms: performance.now() - t1 });
    }
    const [small, large] = loaded;
    const drafts: GenerationResult[] = [];
    const refines: GenerationResult[] = [];
    const directs: GenerationResult[] = [];
    const pipelines: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const runPipeline = async () => {
        const d = await small.complete({ prompt: o.question, maxTokens: o.draftMaxTokens ?? 64, temperature: 0 });
        const r = await large.complete({ messages: refineMessages(o.question, d.text), maxTokens: o.refineMaxTokens ?? 64, temperature: 0 });
        drafts.push(d); refines.push(r); pipelines.push(d.timings.totalMs + r.timings.totalMs);
      };
      const runDirect = async () => { directs.push(await large.complete({ prompt: o.question, maxTokens: o.refineMaxTokens ?? 64, temperature: 0 })); };
      // Alternate which side goes first, so a slow start of a round does not always hit the same side.
      if (i % 2 === 0) { await runPipeline(); await runDirect(); } else { await runDirect(); await runPipeline(); }
    }
    const pipelineMs = median(pipelines) ?? NaN;
    const directMs = median(directs.map((r) => r.timings.totalMs)) ?? NaN;
    const stages = [
      stageOf('1. draft', o.slm.name, drafts),
      stageOf('2. refine', o.llm.name, refines),
      { ...stageOf('pipeline (1 + 2)', `${o.slm.name} → ${o.llm.name}`, drafts), prompt_tokens: null, completion_tokens: null, prep_ms: null, ttft_ms: null, generation_ms: null, total_ms: pipelineMs },
      stageOf('direct (larger model alone)', o.llm.name, directs),
    ];
    return {
      loads, stages, pipelineMs, directMs, ratio: pipelineMs / directMs, rounds,
      draft: drafts[0]?.text ?? '', refined: refines[0]?.text ?? '', direct: directs[0]?.text ?? '',
    };
  } finally {
    for (const m of loaded) await m.dispose();
  }
}
