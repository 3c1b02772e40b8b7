/**
 * Expansion of a grid into cells: one cell per point of the Cartesian product of its axes,
 * as llama-bench's get_cmd_params_instances() does. The axes are nested most expensive
 * first, so all cells of one load (endpoint, threads, model, provider, precision) come
 * together and each model variant is loaded once:
 *
 *   endpoint > threads > logits > model > provider > precision | prompt > maxTokens > temperature > seed > concurrency
 *   '----------------- load group --------------------'  '------------- cheap: same loaded model ------------'
 *
 * Threads sit outside the model because the embedded service takes them when it starts:
 * one thread setting, one service. A cell is a plain record carrying everything a request
 * needs, so the runner, the store and the report need nothing else.
 */
import type { ProviderName } from '../../engine/providers';
import { cartesian } from './cartesian';
import type { EngineName } from '../../engines/status';
import { GridError, problemsMessage } from './errors';
import { canonicalJson, hashedForm, sha256Hex, shortHash } from './hash';
import { resolvePromptRef, type PromptMessage, type PromptSet } from './prompts';
import { resolveGrid, type ArrivalProcess, type GridSpec, type LoadMode } from './spec';
import { LOGITS_AXIS, NUMERIC_AXES, type LogitsMode } from './axes';
import { SYNTHETIC_SET_ID, syntheticMessages, syntheticPromptId } from './synthetic-prompt';
import { validateGrid } from './validate';

export type CompareRole = 'slm' | 'llm';

export interface Cell {
  /** 16 hex digits of sha256 over the settings one request depends on (every field below from endpoint to concurrency, messages included). */
  cellId: string;
  /** The grid's hash, prompts bound to their content (gridHash(spec, library)). */
  gridHash: string;
  /** Position in the expansion order, from 0. */
  index: number;
  /** 'embedded' or an OpenAI-compatible base URL ending in its API path ('/v1'). */
  endpoint: string;
  /** As written in the grid: alias, variant id or folder. */
  model: string;
  provider: ProviderName;
  /** Inference engine (issue 23): 'onnxruntime' or 'llama.cpp' (the same weights as GGUF). */
  engine: EngineName;
  precision: string;
  /** ONNX Runtime intra-op threads (0 = its default). */
  threads: number;
  /** 'all': the model's own graph; 'last': the last-position-logits rewrite (axes.ts LOGITS_AXIS). */
  logits: LogitsMode;
  promptSetId: string;
  promptId: string;
  messages: PromptMessage[];
  /** The expected answer of a QA prompt; null for open-ended ones. */
  expected: string | null;
  maxTokens: number;
  temperature: number;
  seed: number;
  stream: boolean;
  /** Rounds mode: requests sent together per round. Load mode: closed-loop clients (1 for a rate level). */
  concurrency: number;
  /** Load mode, open loop: requests per second; null for a closed loop. */
  rate: number | null;
  /** Synthetic prompt length in tokens; null when the prompt is a prompt set's. */
  inputTokens: number | null;
  /** 'rounds' (interleaved rounds) or 'load' (one load level, run as a block). */
  mode: LoadMode;
  /** Open loop: arrival process, its gamma shape, and the in-flight cap (null: none). */
  arrivals: ArrivalProcess;
  burstiness: number;
  maxConcurrency: number | null;
  /** Measured rounds (load mode: measured requests per client, or in all for a rate level). */
  rounds: number;
  /** Warmup rounds before the measured ones. */
  warmup: number;
  /** Load mode: requests after the measured ones, left out of statistics. */
  cooldown: number;
  /** In a session-4 compare grid: whether this is the small or the large model; else null. */
  role: CompareRole | null;
}

/** The fields whose values make a load: cells that share them run on one loaded model. */
export const LOAD_FIELDS = ['endpoint', 'threads', 'logits', 'model', 'provider', 'engine', 'precision'] as const;

/** The load a cell belongs to (same key = same loaded model instance). */
export function loadGroupKey(cell: Pick<Cell, (typeof LOAD_FIELDS)[number]>): string {
  return canonicalJson(LOAD_FIELDS.map((f) => cell[f]));
}

/**
 * The settings a cellId hashes. The numeric axes come from axes.ts; those added later are
 * left out at their default, and the load settings are in only for load-mode cells, so a
 * rounds-mode cell keeps the id it had before load profiles existed.
 */
export function cellSettings(c: Omit<Cell, 'cellId' | 'gridHash' | 'index' | 'rounds' | 'warmup' | 'cooldown' | 'role' | 'expected'>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    endpoint: c.endpoint, model: c.model, provider: c.provider, precision: c.precision, threads: c.threads,
    promptSetId: c.promptSetId, promptId: c.promptId, messages: c.messages, stream: c.stream,
  };
  if (!LOGITS_AXIS.defaults.includes(c.logits)) out.logits = c.logits;
  if (c.engine !== 'onnxruntime') out.engine = c.engine; // quiet default: ONNX Runtime cells keep their ids
  for (const a of NUMERIC_AXES) if (!(a.quietDefault && a.defaults.includes(c[a.key]))) out[a.key] = c[a.key];
  if (c.mode === 'load') {
    out.mode = c.mode;
    if (c.rate !== null) Object.assign(out, { arrivals: c.arrivals, burstiness: c.burstiness, maxConcurrency: c.maxConcurrency });
  }
  return out;
}

/**
 * The cells of `spec`, in run order. `library` is the prompt sets grids may name by id
 * (loadPromptLibrary()); inline sets need none. Throws GridError for an invalid grid, an
 * unknown prompt set, or two entries that would make the same cell.
 */
export function expandGrid(spec: GridSpec, library: readonly PromptSet[] = []): Cell[] {
  return expandValidGrid(validateGrid(spec), library);
}

/**
 * expandGrid for a spec already validated (planGrid validates once, then expands): the spec
 * is trusted, not checked again. Still throws GridError for an unknown prompt set or two
 * entries that would make the same cell.
 */
export function expandValidGrid(spec: GridSpec, library: readonly PromptSet[] = []): Cell[] {
  const grid = resolveGrid(spec);
  const hash = sha256Hex(canonicalJson(hashedForm(grid, library)));
  const synthetic = grid.inputTokens.some((t) => t !== null);
  const prompts = synthetic ? [null] : grid.prompts.flatMap((ref, i) => {
    const set = resolvePromptRef(ref, library, `prompts[${i}]`);
    return set.prompts.map((prompt) => ({ setId: set.id, prompt }));
  });
  const roleOf = (model: string): CompareRole | null => {
    if (!grid.compare) return null;
    const m = model.toLowerCase();
    return m === grid.compare.slm.toLowerCase() ? 'slm' : m === grid.compare.llm.toLowerCase() ? 'llm' : null;
  };

  const points = cartesian({
    endpoint: grid.endpoints,
    threads: grid.threads,
    logits: grid.logits,
    model: grid.models,
    provider: grid.providers,
    engine: grid.engines,
    precision: grid.precisions,
    prompt: prompts,
    maxTokens: grid.maxTokens,
    temperature: grid.temperature,
    seed: grid.seed,
    concurrency: grid.concurrency,
    rate: grid.rate,
    inputTokens: grid.inputTokens,
  });

  const seen = new Map<string, Cell>();
  return points.map((pt, index) => {
    const tokens = pt.inputTokens;
    const prompt = tokens !== null || pt.prompt === null
      ? { setId: SYNTHETIC_SET_ID, id: syntheticPromptId(tokens ?? 0), messages: syntheticMessages(tokens ?? 0, pt.seed), expected: null }
      : { setId: pt.prompt.setId, id: pt.prompt.prompt.id, messages: pt.prompt.prompt.messages, expected: pt.prompt.prompt.expected ?? null };
    const base = {
      endpoint: pt.endpoint, model: pt.model, provider: pt.provider, engine: pt.engine, precision: pt.precision, threads: pt.threads, logits: pt.logits,
      promptSetId: prompt.setId, promptId: prompt.id, messages: prompt.messages.map((m) => ({ role: m.role, content: m.content })),
      maxTokens: pt.maxTokens, temperature: pt.temperature, seed: pt.seed, stream: grid.stream, concurrency: pt.concurrency,
      rate: pt.rate, inputTokens: tokens, mode: grid.mode, arrivals: grid.arrivals, burstiness: grid.burstiness, maxConcurrency: grid.maxConcurrency,
    };
    const cell: Cell = {
      cellId: shortHash(cellSettings(base)), gridHash: hash, index, ...base,
      expected: prompt.expected, rounds: grid.rounds, warmup: grid.warmup, cooldown: grid.mode === 'load' ? grid.cooldown : 0, role: roleOf(pt.model),
    };
    const twin = seen.get(cell.cellId);
    if (twin) {
      const problem = `prompts: prompt ${cell.promptSetId}#${cell.promptId} is listed twice (cells ${twin.index} and ${index} would be the same request)`;
      throw new GridError(problemsMessage('the grid', [problem], 'list each prompt once (a set id already includes all its prompts)'), [problem]);
    }
    seen.set(cell.cellId, cell);
    return cell;
  });
}
