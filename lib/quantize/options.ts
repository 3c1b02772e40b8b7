/**
 * What `slmlab model quantize` can be asked for, with defaults and one validation that
 * names the fix. Defaults follow ONNX Runtime GenAI's builder (quant_config.py): int4,
 * block 32, symmetric, accuracy_level 4 on CPU.
 */
import { QuantizeError } from './errors';

export type QuantPrecision = 'int4' | 'int8' | 'fp16';
export const QUANT_PRECISIONS: readonly QuantPrecision[] = ['int4', 'int8', 'fp16'];
/** MatMulNBits block sizes (a power of two, at least 16). */
export const QUANT_BLOCK_SIZES = [16, 32, 64, 128] as const;

export interface QuantizeSettings {
  precision: QuantPrecision;
  /** int4/int8: elements of K per scale. */
  blockSize: number;
  /** int4/int8: symmetric (zero point fixed at 2^(bits-1)) or asymmetric (a zero point per block). */
  symmetric: boolean;
  /** int4/int8: MatMulNBits accuracy_level, 0 (float activations) to 4 (int8 activations). */
  accuracyLevel: number;
  /**
   * Weights left in float: a pattern matches a MatMul node's name or its weight's name;
   * `*` matches any run of characters, anything else must appear as written (e.g. 'lm_head').
   */
  exclude: string[];
  /**
   * int8 only: the kernel emitted. 'matmulinteger' is onnxruntime.quantization.quantize_dynamic's
   * form (DynamicQuantizeLinear + MatMulInteger, int8 weights with one scale per output column;
   * blockSize, symmetric and accuracyLevel do not apply); 'matmulnbits' is MatMulNBits with
   * bits = 8 (blocks, zero points, accuracy level like int4). The default is the one that ran
   * faster here (scripts/bench/int8.ts; docs/quantize.md).
   */
  int8Kernel: Int8Kernel;
  /**
   * int4/int8: also quantise the token embedding (a Gather over a float [V, H] table) to
   * com.microsoft.GatherBlockQuantized, same bits and block size (8 bits for int8 whatever the
   * kernel), with explicit zero points. Off by default, as ONNX Runtime GenAI's builder leaves an
   * untied model's embedding float; a tied model in the builder v0.15 form (the embedding reads the
   * lm_head's weight) is quantised with its lm_head whatever this says (plan.ts).
   */
  embeddings: boolean;
  /** Where the output runs (default cpu); the accuracy_level follows it unless one is given. */
  target: QuantTarget;
}

/**
 * The execution provider the output is meant for. It sets accuracy_level when none is given,
 * as ONNX Runtime GenAI's builder does (builders/quant_config.py: 4 on cpu and webgpu, 0
 * elsewhere, e.g. cuda), and the provider_options of an output's genai_config.json.
 */
export type QuantTarget = 'cpu' | 'webgpu' | 'cuda';
export const QUANT_TARGETS: readonly QuantTarget[] = ['cpu', 'webgpu', 'cuda'];

/** The builder's accuracy_level for a target: 4 (int8 activations) on cpu/webgpu, 0 on cuda. */
export function builderAccuracyLevel(target: QuantTarget): number {
  return target === 'cuda' ? 0 : 4;
}

export type Int8Kernel = 'matmulinteger' | 'matmulnbits';
export const INT8_KERNELS: readonly Int8Kernel[] = ['matmulinteger', 'matmulnbits'];

export const DEFAULT_SETTINGS: QuantizeSettings = { precision: 'int4', blockSize: 32, symmetric: true, accuracyLevel: 4, exclude: [], int8Kernel: 'matmulinteger', embeddings: false, target: 'cpu' };

export function resolveSettings(partial: Partial<QuantizeSettings> = {}): QuantizeSettings {
  const given = stripUndefined(partial);
  const target = given.target ?? DEFAULT_SETTINGS.target;
  if (!QUANT_TARGETS.includes(target)) throw new QuantizeError(`unknown target provider '${String(target)}': choose one of ${QUANT_TARGETS.join(', ')}`);
  const s: QuantizeSettings = { ...DEFAULT_SETTINGS, accuracyLevel: builderAccuracyLevel(target), ...given };
  if (!QUANT_PRECISIONS.includes(s.precision)) throw new QuantizeError(`unknown precision '${String(s.precision)}': choose one of ${QUANT_PRECISIONS.join(', ')}`);
  if (!(QUANT_BLOCK_SIZES as readonly number[]).includes(s.blockSize)) throw new QuantizeError(`block size ${s.blockSize} is not supported: choose one of ${QUANT_BLOCK_SIZES.join(', ')} (32 or 128 are the usual)`);
  if (![0, 1, 2, 3, 4].includes(s.accuracyLevel)) throw new QuantizeError(`accuracy level ${s.accuracyLevel} is not valid: choose 0 (float activations), 1, 2, 3 or 4 (int8 activations)`);
  if (!INT8_KERNELS.includes(s.int8Kernel)) throw new QuantizeError(`unknown int8 kernel '${String(s.int8Kernel)}': choose one of ${INT8_KERNELS.join(', ')}`);
  if (!Array.isArray(s.exclude) || s.exclude.some((p) => typeof p !== 'string' || p.length === 0)) throw new QuantizeError('exclude patterns must be non-empty strings, e.g. --exclude lm_head');
  return s;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** int8 through DynamicQuantizeLinear + MatMulInteger (per-column scales) rather than MatMulNBits. */
export function usesMatMulInteger(s: QuantizeSettings): boolean {
  return s.precision === 'int8' && s.int8Kernel === 'matmulinteger';
}

/** Bits per weight of a MatMulNBits precision. */
export function precisionBits(p: QuantPrecision): 4 | 8 | null {
  return p === 'int4' ? 4 : p === 'int8' ? 8 : null;
}

/** A short label for tables and folder names: int4-b32-sym, int8-b128-asym, fp16. */
export function settingsLabel(s: QuantizeSettings): string {
  if (s.precision === 'fp16') return 'fp16';
  if (usesMatMulInteger(s)) return 'int8-dynamic' + (s.embeddings ? '-emb' : '');
  return `${s.precision}-b${s.blockSize}-${s.symmetric ? 'sym' : 'asym'}` + (s.accuracyLevel === 4 ? '' : `-acc${s.accuracyLevel}`) + (s.embeddings ? '-emb' : '');
}

/** True when `pattern` matches `name`: `*` is a wildcard; without one, a substring match. */
export function matchesPattern(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return name.includes(pattern);
  const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(name);
}
