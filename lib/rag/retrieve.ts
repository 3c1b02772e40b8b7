/**
 * Ranked lexical retrieval: BM25 over the passages of a corpus, scored by MiniSearch
 * (lucaong/minisearch 7.2), not by hand.
 *
 * MiniSearch scores BM25+ (Lv & Zhai, "Lower-Bounding Term Frequency Normalization", CIKM 2011):
 *   score(q, p) = Σ_{t ∈ q} idf(t) · ( δ + tf·(k1 + 1) / (tf + k1·(1 − b + b·|p| / avgdl)) )
 *   idf(t)      = ln(1 + (N − n_t + 0.5) / (n_t + 0.5))      (Lucene's non-negative idf)
 * with tf the term's count in passage p, N the number of passages and n_t those holding t.
 * |p| and avgdl: MiniSearch measures a passage's length as its number of DISTINCT terms
 * (minisearch src/MiniSearch.ts, addFields: `new Set(tokens).size`), where the textbook uses
 * all tokens; for prose passages the two differ little, and the ranking of rare terms is unchanged. δ = 0 is classic Okapi BM25
 * (Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009).
 * Terms: the text split on Unicode spaces and punctuation, lower-cased, accents kept ("é" is
 * not "e"); any script that separates words with spaces works, while Chinese or Japanese text
 * without spaces is one term per run between punctuation.
 *
 * A multi-term query scores the sum over its terms (MiniSearch's extra factor, the number of
 * terms matched, is divided out). Ties are broken by corpus order (earlier passage first), so a
 * ranking is reproducible.
 */
import MiniSearch from 'minisearch';
import { InvalidRequestError } from '../errors';
import { chunkDocuments, type ChunkOptions, type Passage, type RagDocument } from './chunk';

export interface Bm25Params {
  /** Term-frequency saturation k1 (default 1.2). */
  k1: number;
  /** Length normalisation b (default 0.75). */
  b: number;
  /** BM25+ lower bound δ for any matching term (default 0.5; 0 = classic BM25). */
  delta: number;
}

export const DEFAULT_BM25: Readonly<Bm25Params> = Object.freeze({ k1: 1.2, b: 0.75, delta: 0.5 });

export interface IndexOptions extends ChunkOptions {
  bm25?: Partial<Bm25Params>;
}

/** Passages plus the search structure over them; build once, query many times. */
export interface RagIndex {
  readonly kind: 'slmlab.rag-index';
  readonly passages: readonly Passage[];
  readonly bm25: Readonly<Bm25Params>;
  /** @internal MiniSearch over passage positions. */
  readonly search: MiniSearch<{ i: number; text: string }>;
}

/** One retrieved passage: a plain record (the passage, its BM25 score and its rank from 1). */
export interface RetrievedPassage extends Passage {
  score: number;
  rank: number;
}

/** Chunks the documents and indexes every passage. */
export function buildIndex(docs: ReadonlyArray<string | RagDocument>, options: IndexOptions = {}): RagIndex {
  const passages = chunkDocuments(docs, options);
  const bm25 = { ...DEFAULT_BM25, ...options.bm25 };
  for (const [k, v] of Object.entries(bm25)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (k === 'k1' && v === 0) || (k === 'b' && v > 1)) {
      throw new InvalidRequestError(`bm25.${k} = ${String(v)} is out of range: k1 > 0, 0 <= b <= 1, delta >= 0`, `bm25.${k}`);
    }
  }
  const search = new MiniSearch<{ i: number; text: string }>({ idField: 'i', fields: ['text'], storeFields: [] });
  search.addAll(passages.map((p, i) => ({ i, text: p.text })));
  return { kind: 'slmlab.rag-index', passages, bm25, search };
}

function isIndex(x: unknown): x is RagIndex {
  return !!x && typeof x === 'object' && (x as { kind?: unknown }).kind === 'slmlab.rag-index';
}

/**
 * The top `k` passages for `query`, best first, each with its BM25 score and source id.
 * `docs` is an array of strings / {source, text} records (indexed on the spot), or an index
 * from buildIndex(). A query with no indexable term, or no passage sharing a term, gives [].
 */
export function retrieve(query: string, docs: ReadonlyArray<string | RagDocument> | RagIndex, k = 3): RetrievedPassage[] {
  if (typeof query !== 'string') throw new InvalidRequestError('the query must be a string', 'query');
  if (!Number.isInteger(k) || k < 0) throw new InvalidRequestError(`k must be a whole number >= 0, got ${String(k)}`, 'k');
  const index = isIndex(docs) ? docs : buildIndex(docs as ReadonlyArray<string | RagDocument>);
  if (k === 0 || query.trim() === '') return [];
  const { k1, b, delta } = index.bm25;
  const hits = index.search.search(query, { combineWith: 'OR', prefix: false, fuzzy: false, bm25: { k: k1, b, d: delta } });
  return hits
    // MiniSearch multiplies the BM25 sum by the number of query terms a passage matched (a
    // coordination boost, MiniSearch.search's `quality`); dividing it out leaves plain BM25.
    .map((h) => ({ i: h.id as number, score: h.score / Math.max(1, h.queryTerms.length) }))
    .sort((x, y) => y.score - x.score || x.i - y.i)
    .slice(0, k)
    .map((h, r) => ({ ...index.passages[h.i], score: h.score, rank: r + 1 }));
}
