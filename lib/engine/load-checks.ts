/**
 * Checks made when a model loads, so an unsupported graph fails there, with the op or dtype
 * named, and never in the middle of a generation:
 *   - ONNX Runtime's own load errors for ops it lacks ("Could not find an implementation for
 *     QMoE(1) node ...", "com.x:Op(-1) is not a registered function/op") become an
 *     UnsupportedGraphError naming the op, its domain and the provider;
 *   - the KV cache's element type must be one the engine feeds (float32 or float16): a bfloat16
 *     or int8 cache is refused before the first token.
 */
import { ModelInvalidError } from '../errors';
import type { ProviderName } from './providers';

/** The KV-cache element types the engine creates tensors for. */
export const SUPPORTED_KV_TYPES = ['float32', 'float16'] as const;

export interface MissingOp {
  op: string;
  domain: string | null;
  /** The node that uses it, when ONNX Runtime named one. */
  node: string | null;
}

/** The op named by an ONNX Runtime load error about a missing kernel or schema, else null. */
export function missingOpOf(message: string): MissingOp | null {
  const kernel = /Could not find an implementation for (\w+)\((\d+)\) node with name '([^']*)'/.exec(message);
  if (kernel) return { op: kernel[1], domain: null, node: kernel[3] || null };
  const schema = /(?:^|\s)([A-Za-z0-9_.]*):(\w+)\((-?\d+)\) is not a registered function\/op/.exec(message);
  if (schema) return { op: schema[2], domain: schema[1] || 'ai.onnx', node: null };
  const unknown = /No Op registered for (\w+) with domain_version of (\d+)/.exec(message);
  if (unknown) return { op: unknown[1], domain: null, node: null };
  return null;
}

/** The typed error for a graph that uses an op this ONNX Runtime build cannot run on `provider`. */
export function unsupportedOpError(missing: MissingOp, provider: ProviderName, onnxPath: string, cause: unknown): ModelInvalidError {
  const op = missing.domain && missing.domain !== 'ai.onnx' ? `${missing.domain}.${missing.op}` : missing.op;
  const where = missing.node ? ` (node '${missing.node}')` : '';
  const hint = provider === 'cpu'
    ? 'run a variant built for a GPU provider (--ep cuda), or choose a model without this op'
    : `check that this ONNX Runtime build's ${provider} provider has the op, or choose a model without it`;
  return new ModelInvalidError(`'${onnxPath}' uses the op ${op}${where}, which onnxruntime-node ${ortVersion()} cannot run on ${provider}: ${hint}`, { cause });
}

/** Throws when the KV cache's element type is not one the engine feeds. */
export function checkKvType(type: string, input: string): void {
  if ((SUPPORTED_KV_TYPES as readonly string[]).includes(type)) return;
  throw new ModelInvalidError(`the model keeps its KV cache (${input}) as ${type}, which slmlab's engine does not feed ` +
    `(it handles ${SUPPORTED_KV_TYPES.join(' and ')}): use a variant exported with a float32 or float16 cache`);
}

function ortVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return '(unknown version)';
  }
}
