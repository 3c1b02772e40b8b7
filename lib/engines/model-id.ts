/**
 * Naming a model on an engine: the id or alias followed by `@llama.cpp` (e.g.
 * `qwen2.5-0.5b-twin@llama.cpp`) runs it on llama.cpp on a GGUF export of the same weights;
 * without a suffix (or with `@onnxruntime`) it runs on ONNX Runtime. The OpenAI route also
 * takes an `engine` field, which adds the suffix. One spelling for the service, the chat page,
 * any OpenAI client and the benchmark grid.
 */
import { InvalidRequestError } from '../errors';
import { ENGINE_NAMES, type EngineName } from './status';

export function splitEngine(name: string): { base: string; engine: EngineName } {
  const at = name.lastIndexOf('@');
  if (at > 0) {
    const suffix = name.slice(at + 1).toLowerCase();
    if ((ENGINE_NAMES as readonly string[]).includes(suffix)) return { base: name.slice(0, at), engine: suffix as EngineName };
  }
  return { base: name, engine: 'onnxruntime' };
}

/** The name that runs `base` on `engine` (no suffix for ONNX Runtime). */
export function withEngine(name: string, engine: EngineName | string | undefined): string {
  if (engine === undefined) return name;
  const e = engine.toLowerCase();
  if (!(ENGINE_NAMES as readonly string[]).includes(e)) throw new InvalidRequestError(`unknown engine '${engine}': use one of ${ENGINE_NAMES.join(', ')}`, 'engine');
  const { base, engine: already } = splitEngine(name);
  if (already !== 'onnxruntime' && already !== e) throw new InvalidRequestError(`the model '${name}' names engine ${already} but engine is '${engine}': give one of them`, 'engine');
  return e === 'onnxruntime' ? base : `${base}@${e}`;
}

export function parseEngine(value: string): EngineName {
  const e = value.trim().toLowerCase();
  if (e === 'ort' || e === 'onnx') return 'onnxruntime';
  if (e === 'llamacpp' || e === 'llama-cpp' || e === 'llama') return 'llama.cpp';
  if (!(ENGINE_NAMES as readonly string[]).includes(e)) throw new InvalidRequestError(`unknown engine '${value}': use one of ${ENGINE_NAMES.join(', ')}`, 'engine');
  return e as EngineName;
}
