/** Session 4's retrieval-augmented generation, as plain functions: chunk, retrieve, prompt. */
export { chunkText, chunkDocuments, chunkOptions, DEFAULT_CHUNK, type RagDocument, type Passage, type ChunkOptions } from './chunk';
export { buildIndex, retrieve, DEFAULT_BM25, type RagIndex, type RetrievedPassage, type IndexOptions, type Bm25Params } from './retrieve';
export { ragMessages, contextBlock, RAG_SYSTEM_PROMPT } from './prompt';
export { WORKSHOP_DOCS } from './workshop-docs';
