/**
 * The messages between the inference page and its web worker: plain records, both ways.
 */
import type { ChatMessage } from '../../engine/chat-template';
import type { BrowserManifest } from '../browser-model';
import type { DeviceCopies } from '../../engine/device-kv';

export type Backend = 'webgpu' | 'wasm';

/** 'last': the graph rewritten for last-position logits (lib/engine/last-position-logits.ts); 'all': the model's own graph. */
export type LogitsMode = 'last' | 'all';

export type ToWorker =
  | { type: 'load'; manifest: BrowserManifest; base: string; backend: 'auto' | Backend; threads: number; allowSoftwareGpu: boolean; logits: LogitsMode }
  | { type: 'generate'; messages: ChatMessage[]; maxTokens: number }
  | { type: 'stop' };

export interface BrowserRunResult {
  tokenIds: number[];
  text: string;
  promptTokens: number;
  /** Request start -> first token sampled, ms (the engine's definition). */
  ttftMs: number;
  /** Decode speed without prefill, tokens/s (the engine's definition). */
  decodeTokensPerSecond: number | null;
  totalMs: number;
  finishReason: string;
  /** WebGPU: tensors copied between host and device (device-kv.ts); null on WASM. */
  copies: DeviceCopies | null;
}

export type FromWorker =
  | { type: 'progress'; file: string; loaded: number; total: number; fromCache: boolean }
  | { type: 'loaded'; backend: Backend; detail: string; loadMs: number; fromCache: boolean; threads: number; softwareAdapter: boolean; note: string | null; logits: LogitsMode; logitsReason: string | null }
  | { type: 'token'; index: number; tokenId: number; text: string; ms: number }
  | { type: 'done'; result: BrowserRunResult }
  | { type: 'error'; message: string };
