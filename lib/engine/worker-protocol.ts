/** Messages between the engine (main thread) and its worker thread. Plain records only. */
import type { SerializedError } from '../errors';
import type { GenerateRequest, GenerationResult, TextDelta } from './types';
import type { ModelFolder } from './model-folder';
import type { SessionOptions } from './decoder-session';
import type { ProviderName } from './providers';

export interface LoadMessage { type: 'load'; dir: string; onnxFile?: string; session: SessionOptions }
export interface GenerateMessage {
  type: 'generate';
  id: number;
  request: GenerateRequest;
  /** Int32Array over this buffer: element 0 set to 1 asks the worker to stop. */
  abort: SharedArrayBuffer;
  queueMs: number;
}
/** Release the session and end the thread (after any running request has stopped). */
export interface DisposeMessage { type: 'dispose' }
export type ToWorker = LoadMessage | GenerateMessage | DisposeMessage;

export interface LoadedInfo {
  folder: ModelFolder;
  provider: ProviderName;
  inputNames: string[];
  outputNames: string[];
  layers: number;
  loadMs: number;
  templateSource: string;
}

export type FromWorker =
  | { type: 'loaded'; info: LoadedInfo }
  | { type: 'load-error'; error: SerializedError }
  | { type: 'delta'; id: number; delta: TextDelta }
  | { type: 'done'; id: number; result: GenerationResult }
  | { type: 'error'; id: number; error: SerializedError };
