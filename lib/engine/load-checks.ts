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

/** ONNX TensorProto.DataType codes, for messages. */
const ONNX_TYPES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16', 17: 'float8e4m3fn', 18: 'float8e4m3fnuz',
  19: 'float8e5m2', 20: 'float8e5m2fnuz', 21: 'uint4', 22: 'int4', 23: 'float4e2m1',
};

/**
 * onnxruntime-node refuses, at load, a graph whose inputs or outputs have a type it cannot
 * carry to JavaScript ("Unsupported data type: 16"): the typed error names the type.
 */
export function unsupportedIoTypeError(message: string, onnxPath: string, cause: unknown): ModelInvalidError | null {
  const m = /Unsupported data type: (\d+)/.exec(message);
  if (!m) return null;
  const type = ONNX_TYPES[Number(m[1])] ?? `ONNX type ${m[1]}`;
  return new ModelInvalidError(`'${onnxPath}' has inputs or outputs of type ${type} (e.g. a ${type} KV cache), which onnxruntime-node ${ortVersion()} ` +
    `cannot pass to or from JavaScript: use a variant exported with float32 or float16 inputs and outputs`, { cause });
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
