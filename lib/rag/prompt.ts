/**
 * The workshop's RAG prompt (Session 4's chainlit_app.py): a system message that confines
 * the model to the context, and a user message carrying the retrieved passages, each under
 * its citation number and id, then the question.
 */
import type { ChatMessage } from '../engine/chat-template';
import type { Passage } from './chunk';

export const RAG_SYSTEM_PROMPT = 'Answer using ONLY the provided context. If insufficient, say so.';

/** "[1] (foundry-local#1) text" lines, numbered in the order given (the retrieval rank). */
export function contextBlock(passages: readonly Passage[]): string {
  return passages.map((p, i) => `[${i + 1}] (${p.id}) ${p.text}`).join('\n');
}

/** The two messages the model gets: the workshop's system prompt, then context + question. */
export function ragMessages(question: string, passages: readonly Passage[]): ChatMessage[] {
  const context = passages.length ? contextBlock(passages) : '(no passage matched the question)';
  return [
    { role: 'system', content: RAG_SYSTEM_PROMPT },
    { role: 'user', content: `Context:\n${context}\n\nQuestion: ${question}\nCite passages by their [number].` },
  ];
}
