/**
 * The three reference documents of the workshop's Chainlit RAG demo (Session 4,
 * microsoft/edgeai-for-beginners: Workshop/samples/session04, `DOCS` in chainlit_app.py),
 * the default corpus of the chat page and of `retrieve()` examples.
 */
import type { RagDocument } from './chunk';

export const WORKSHOP_DOCS: readonly RagDocument[] = Object.freeze([
  { source: 'foundry-local', text: 'Foundry Local enables local model execution with OpenAI-compatible APIs.' },
  { source: 'rag', text: 'RAG combines retrieval and generation for grounded answers.' },
  { source: 'slms', text: 'SLMs provide efficiency advantages on constrained hardware.' },
]);
