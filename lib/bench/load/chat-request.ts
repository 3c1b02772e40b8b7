/**
 * The chat request one planned request sends, and the call that sends it: shared by the
 * runner's in-process load generator and the worker threads (workers.ts), so both send
 * exactly the same thing.
 */
import OpenAI from 'openai';
import type { Cell } from '../grid/expand';
import type { PlannedRequest } from '../grid/schedule';
import { timedChat, type TimedChatRequest } from '../../client/timed-chat';
import type { TimedCall } from '../../client/timed-call';
import { EMBEDDED } from '../grid/spec';

export function chatRequestOf(cell: Cell): TimedChatRequest {
  return {
    model: cell.engine === 'llama.cpp' ? `${cell.model}@llama.cpp` : cell.model, // issue 23 (lib/engines/model-id.ts)
    messages: cell.messages,
    max_tokens: cell.maxTokens,
    temperature: cell.temperature,
    seed: cell.seed,
    ep: cell.provider,
  } as TimedChatRequest;
}

export interface SendSettings {
  /** Client-side limit per request, ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A SendFn over one OpenAI client. */
export function sender(client: OpenAI, s: SendSettings = {}): (req: PlannedRequest) => Promise<TimedCall> {
  return (req) => timedChat(client, chatRequestOf(req.cell), {
    timeoutMs: s.timeoutMs,
    signal: s.signal,
    // slmlab's service reports cumulative usage per chunk, so per-token ITL uses exact counts.
    continuousUsage: req.cell.endpoint === EMBEDDED,
  });
}
