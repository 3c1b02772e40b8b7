/**
 * Documents -> passages: each document is cut into windows of `size` words that overlap by
 * `overlap` words, so a sentence that straddles a cut is whole in at least one passage.
 * A document of `size` words or fewer is one passage. Passage ids are `<source>#<n>` (n from 1),
 * stable for the same input, so citations can name them.
 *
 * Words are runs of non-space characters (Unicode \s), which holds for any language that
 * separates words with spaces; the passage text keeps the document's own spacing between them.
 */
import { InvalidRequestError } from '../errors';

export interface RagDocument {
  /** Where the text came from: a file name, "doc 1", a URL. Unique within a corpus. */
  source: string;
  text: string;
}

export interface Passage {
  /** `<source>#<n>`, n counting from 1 within its document. */
  id: string;
  source: string;
  /** 1-based position of this passage in its document. */
  n: number;
  text: string;
}

export interface ChunkOptions {
  /** Words per passage (default 120). */
  size?: number;
  /** Words shared by consecutive passages (default 30; less than size). */
  overlap?: number;
}

export const DEFAULT_CHUNK: Readonly<Required<ChunkOptions>> = Object.freeze({ size: 120, overlap: 30 });

/** Checks and fills chunk options; InvalidRequestError names the bad field. */
export function chunkOptions(o: ChunkOptions = {}): Required<ChunkOptions> {
  const size = o.size ?? DEFAULT_CHUNK.size;
  const overlap = o.overlap ?? Math.min(DEFAULT_CHUNK.overlap, Math.floor(size / 4));
  if (!Number.isInteger(size) || size < 1) throw new InvalidRequestError(`chunk size must be a whole number of words >= 1, got ${size}`, 'size');
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size) {
    throw new InvalidRequestError(`chunk overlap must be a whole number from 0 to size - 1 (${size - 1}), got ${overlap}`, 'overlap');
  }
  return { size, overlap };
}

/** Splits one document's text into overlapping passages (none for blank text). */
export function chunkText(source: string, text: string, options: ChunkOptions = {}): Passage[] {
  const { size, overlap } = chunkOptions(options);
  // [start, end) character spans of the words, so passages keep the original spacing.
  const spans: Array<[number, number]> = [];
  for (const m of text.matchAll(/\S+/gu)) spans.push([m.index, m.index + m[0].length]);
  const out: Passage[] = [];
  const step = size - overlap;
  for (let first = 0; first < spans.length; first += step) {
    const last = Math.min(first + size, spans.length) - 1;
    out.push({ id: `${source}#${out.length + 1}`, source, n: out.length + 1, text: text.slice(spans[first][0], spans[last][1]) });
    if (last === spans.length - 1) break;
  }
  return out;
}

/**
 * Passages of a whole corpus, in document order. Plain strings become documents named
 * "doc 1", "doc 2", …; duplicate sources are refused (citations would be ambiguous).
 */
export function chunkDocuments(docs: ReadonlyArray<string | RagDocument>, options: ChunkOptions = {}): Passage[] {
  if (!Array.isArray(docs)) throw new InvalidRequestError('docs must be an array of strings or {source, text} records', 'docs');
  const seen = new Set<string>();
  const out: Passage[] = [];
  docs.forEach((d, i) => {
    const doc = typeof d === 'string' ? { source: `doc ${i + 1}`, text: d } : d;
    if (!doc || typeof doc.text !== 'string' || typeof doc.source !== 'string' || doc.source === '') {
      throw new InvalidRequestError(`docs[${i}] must be a string or a {source, text} record with a non-empty source`, `docs[${i}]`);
    }
    if (seen.has(doc.source)) throw new InvalidRequestError(`two documents are named '${doc.source}': give each document its own source name`, `docs[${i}].source`);
    seen.add(doc.source);
    out.push(...chunkText(doc.source, doc.text, options));
  });
  return out;
}
