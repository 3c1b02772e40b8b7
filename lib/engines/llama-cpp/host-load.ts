/**
 * Loading a llama.cpp model inside the engine process (lib/engines/process-host.ts): find or
 * export the GGUF of the ONNX folder (gguf-for-model.ts), then load it (llama-model.ts).
 * Without the engine installed it fails with the fix, as an unusable GPU provider does.
 */
import { ProviderUnavailableError } from '../../errors';
import { DEFAULT_MAX_BATCH, type LoadOptions } from '../../engine/load-options';
import { llamaCppStatus } from '../status';
import { llamaCppDir } from './location';
import { ggufForModel } from './gguf-for-model';
import { LlamaCppModel } from './llama-model';

export async function loadHostedLlamaCpp(dir: string, options: LoadOptions): Promise<LlamaCppModel> {
  const status = llamaCppStatus();
  if (!status.usable) throw new ProviderUnavailableError('llama.cpp', `${status.reason}: ${status.fix}`);
  const { file } = ggufForModel(dir);
  return LlamaCppModel.load(dir, { gguf: file, engineDir: llamaCppDir(), threads: options.threads ?? 0, maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH });
}
