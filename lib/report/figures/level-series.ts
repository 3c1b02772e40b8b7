/**
 * Which line (or box group) of a load-level figure a level belongs to: every setting that tells
 * two levels' runs apart — model, endpoint, provider, engine, precision, threads, logits, input
 * length and open/closed loop — so that two engines' or two providers' levels are never joined
 * into one curve. Settings that are the same for every plotted level are left out of the names.
 */
export interface LevelSetting {
  model: string;
  endpoint: string;
  provider: string;
  engine?: string | null;
  precision: string;
  threads: number;
  logits?: string | null;
  inputTokens?: number | null;
  /** A LevelRow's kind; a request's is read from its rate. */
  loadKind?: 'rate' | 'concurrency';
  rate?: number | null;
}

/** Each part of a name, and whether it is shown always (else only where the plotted levels differ in it). */
const PARTS: ReadonlyArray<{ always: boolean; part: (s: LevelSetting) => string | null }> = [
  { always: true, part: (s) => s.model },
  { always: true, part: (s) => (s.endpoint === 'embedded' ? null : s.endpoint) },
  { always: false, part: (s) => s.provider },
  { always: false, part: (s) => s.engine ?? 'onnxruntime' },
  { always: false, part: (s) => s.precision },
  { always: false, part: (s) => `${s.threads} threads` },
  { always: false, part: (s) => `logits ${s.logits ?? 'all'}` },
  { always: true, part: (s) => (s.inputTokens === null || s.inputTokens === undefined ? null : `${s.inputTokens} input tokens`) },
  { always: true, part: (s) => ((s.loadKind ?? (s.rate === null || s.rate === undefined ? 'concurrency' : 'rate')) === 'rate' ? 'open loop' : 'closed loop') },
];

/**
 * A namer for `settings`' series: model, endpoint, input length and loop kind as before, plus
 * provider, engine, precision, threads and logits where they differ between the settings (e.g.
 * "qwen2.5-0.5b-twin · llama.cpp · closed loop").
 */
export function levelSeriesNamer<T extends LevelSetting>(settings: readonly T[]): (s: T) => string {
  const shown = PARTS.filter((p) => p.always || new Set(settings.map(p.part)).size > 1);
  return (s) => shown.map((p) => p.part(s)).filter((x): x is string => x !== null).join(' · ');
}
