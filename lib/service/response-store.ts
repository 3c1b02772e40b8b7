/**
 * The Responses API's stored responses: in memory, bounded by count, least recently used
 * dropped first (Foundry Local's Core keeps 20 by default, at most 100: sdk_v2/cpp/src/
 * inferencing/generative/openresponses/response_store.h). Each entry keeps what GET
 * /v1/responses/:id and /input_items answer, and the conversation so far, so that a request
 * with previous_response_id continues it even after its ancestors were dropped.
 */
import type { ChatMessage } from '../engine/types';

export const DEFAULT_STORED_RESPONSES = 20;

export interface StoredResponse {
  id: string;
  model: string;
  /** The response object as it was returned. */
  response: Record<string, unknown>;
  /** This request's own input items (what /input_items lists). */
  inputItems: Record<string, unknown>[];
  /** Every turn up to and including this response's answer (instructions excluded: they are per request). */
  conversation: ChatMessage[];
}

export class ResponseStore {
  /** Insertion order = recency order: get() moves an entry to the end. */
  private readonly entries = new Map<string, StoredResponse>();
  /** When each entry was stored, for listing in creation order. */
  private readonly stored = new Map<string, number>();
  private next = 0;
  readonly capacity: number;

  constructor(capacity = DEFAULT_STORED_RESPONSES) {
    this.capacity = Math.max(0, Math.floor(capacity));
  }

  get size(): number { return this.entries.size; }

  put(entry: StoredResponse): void {
    if (this.capacity === 0) return;
    this.entries.delete(entry.id);
    this.entries.set(entry.id, entry);
    this.stored.set(entry.id, this.next++);
    while (this.entries.size > this.capacity) this.delete(this.entries.keys().next().value as string);
  }

  get(id: string): StoredResponse | undefined {
    const e = this.entries.get(id);
    if (e) { this.entries.delete(id); this.entries.set(id, e); }
    return e;
  }

  delete(id: string): boolean {
    this.stored.delete(id);
    return this.entries.delete(id);
  }

  /** Newest first (order 'desc') or oldest first, after the entry `after` when given. */
  list(limit: number, order: 'asc' | 'desc' = 'desc', after?: string): { data: StoredResponse[]; hasMore: boolean } {
    const all = [...this.entries.values()].sort((a, b) => this.stored.get(a.id)! - this.stored.get(b.id)!);
    if (order === 'desc') all.reverse();
    const start = after ? all.findIndex((e) => e.id === after) + 1 : 0;
    const rest = all.slice(start);
    return { data: rest.slice(0, limit), hasMore: rest.length > limit };
  }
}
