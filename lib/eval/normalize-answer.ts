/**
 * Answer normalisation for QA scoring, as SQuAD's official evaluation script does it
 * (Rajpurkar et al. 2016, evaluate-v1.1.py `normalize_answer`): lower-case, drop punctuation,
 * drop the articles a/an/the, collapse whitespace. Unicode letters and digits are kept.
 */
export function normalizeAnswer(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
