/**
 * retrieve(): BM25 rank order on a fixed corpus, ties, empty queries, non-English text;
 * chunking with overlap; the workshop's prompt.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildIndex, chunkDocuments, chunkText, ragMessages, retrieve, RAG_SYSTEM_PROMPT, WORKSHOP_DOCS } from '../lib/rag';
import { InvalidRequestError } from '../lib/errors';

const CORPUS = [
  { source: 'cats', text: 'Cats are small carnivorous mammals. Domestic cats sleep most of the day.' },
  { source: 'dogs', text: 'Dogs are loyal companions. A dog needs daily walks and training.' },
  { source: 'pets', text: 'Cats and dogs are the most common pets; a cat or a dog changes a household.' },
  { source: 'onnx', text: 'ONNX Runtime executes models on CPUs and GPUs with execution providers.' },
];

describe('retrieve ranks passages with BM25', () => {
  test('the passage that matches a workshop question is ranked first, with its source id and score', () => {
    const hits = retrieve('What does Foundry Local enable?', WORKSHOP_DOCS, 3);
    assert.equal(hits[0].source, 'foundry-local');
    assert.equal(hits[0].id, 'foundry-local#1');
    assert.equal(hits[0].rank, 1);
    assert.ok(hits[0].score > 0);
    assert.equal(retrieve('Why are SLMs efficient on constrained hardware?', WORKSHOP_DOCS, 1)[0].source, 'slms');
    assert.equal(retrieve('how does retrieval help grounded answers', WORKSHOP_DOCS, 1)[0].source, 'rag');
  });

  test('rank order on a fixed corpus follows term frequency and rarity, scores descending', () => {
    const hits = retrieve('cats sleep', CORPUS, 4);
    assert.deepEqual(hits.map((h) => h.source), ['cats', 'pets']);
    assert.ok(hits[0].score > hits[1].score);
    // 'execution providers' occurs only in the onnx passage: rare terms dominate.
    assert.equal(retrieve('dogs execution providers', CORPUS, 1)[0].source, 'onnx');
    assert.deepEqual(retrieve('cats', CORPUS, 10).map((h) => h.rank), [1, 2]);
  });

  test('scores follow the BM25 formula (classic BM25 with delta 0)', () => {
    const docs = ['apple banana', 'apple apple cherry', 'cherry date'];
    const index = buildIndex(docs, { bm25: { delta: 0 } });
    const [top] = retrieve('banana', index, 1);
    // N = 3, n = 1: idf = ln(1 + 2.5/1.5); tf = 1, k1 = 1.2, b = 0.75; |p| = 2 and
    // avgdl = (2 + 2 + 2) / 3 in distinct terms (MiniSearch's length; 'apple apple cherry' counts 2).
    const idf = Math.log(1 + 2.5 / 1.5);
    const expected = idf * (1 * 2.2) / (1 + 1.2 * (1 - 0.75 + 0.75 * 2 / 2));
    assert.ok(Math.abs(top.score - expected) < 1e-9, `${top.score} vs ${expected}`);
  });

  test('a multi-term query scores the sum of its terms\' BM25 scores, with no coordination boost', () => {
    const index = buildIndex(CORPUS);
    const both = retrieve('sleep mammals', index, 1)[0];
    const one = retrieve('sleep', index, 1)[0];
    const other = retrieve('mammals', index, 1)[0];
    assert.equal(both.source, 'cats');
    assert.ok(Math.abs(both.score - (one.score + other.score)) < 1e-9, `${both.score} vs ${one.score} + ${other.score}`);
  });

  test('ties are broken by corpus order', () => {
    const hits = retrieve('alpha', ['alpha beta', 'gamma', 'alpha beta', 'alpha beta'], 3);
    assert.deepEqual(hits.map((h) => h.id), ['doc 1#1', 'doc 3#1', 'doc 4#1']);
    assert.equal(hits[0].score, hits[2].score);
  });

  test('an empty or unmatched query returns no passages; k = 0 returns none', () => {
    assert.deepEqual(retrieve('', CORPUS, 3), []);
    assert.deepEqual(retrieve('   ', CORPUS, 3), []);
    assert.deepEqual(retrieve('?!', CORPUS, 3), []);
    assert.deepEqual(retrieve('zebra', CORPUS, 3), []);
    assert.deepEqual(retrieve('cats', CORPUS, 0), []);
  });

  test('non-English text: accents, Cyrillic and Greek are terms like any other', () => {
    const docs = [
      { source: 'es', text: 'La recuperación aumentada combina búsqueda y generación.' },
      { source: 'ru', text: 'Маленькие модели работают быстро на ноутбуке.' },
      { source: 'el', text: 'Τα μικρά μοντέλα τρέχουν τοπικά.' },
    ];
    assert.equal(retrieve('¿Qué combina la recuperación?', docs, 1)[0].source, 'es');
    assert.equal(retrieve('модели ноутбуке', docs, 1)[0].source, 'ru');
    assert.equal(retrieve('ΜΟΝΤΈΛΑ', docs, 1)[0].source, 'el', 'upper case folds to lower case');
    assert.deepEqual(retrieve('recuperacion', docs, 1), [], 'accents are kept: "o" is not "ó"');
  });

  test('an index built once answers many queries, the same as building on the spot', () => {
    const index = buildIndex(CORPUS);
    assert.deepEqual(retrieve('dog walks', index, 2), retrieve('dog walks', CORPUS, 2));
  });

  test('bad arguments get a typed error naming the fix', () => {
    assert.throws(() => retrieve('x', CORPUS, -1), InvalidRequestError);
    assert.throws(() => retrieve('x', CORPUS, 1.5), /whole number/);
    assert.throws(() => retrieve('x', [{ source: 'a', text: 'x' }, { source: 'a', text: 'y' }]), /own source name/);
    assert.throws(() => buildIndex(CORPUS, { bm25: { b: 2 } }), /out of range/);
  });
});

describe('chunking keeps overlapping windows of words', () => {
  test('windows of size words overlap by overlap words and cover the text', () => {
    const words = Array.from({ length: 25 }, (_, i) => `w${i}`);
    const parts = chunkText('d', words.join(' '), { size: 10, overlap: 3 });
    assert.deepEqual(parts.map((p) => p.id), ['d#1', 'd#2', 'd#3', 'd#4']);
    assert.equal(parts[0].text, words.slice(0, 10).join(' '));
    assert.equal(parts[1].text, words.slice(7, 17).join(' '));
    assert.equal(parts[3].text, words.slice(21, 25).join(' '));
  });

  test('a short document is one passage with its own spacing; blank text is none', () => {
    assert.deepEqual(chunkText('d', 'one  two\nthree').map((p) => p.text), ['one  two\nthree']);
    assert.deepEqual(chunkText('d', '  \n '), []);
    assert.throws(() => chunkText('d', 'x', { size: 4, overlap: 4 }), /overlap/);
  });

  test('plain strings are named doc 1, doc 2, …', () => {
    assert.deepEqual(chunkDocuments(['a', 'b']).map((p) => p.source), ['doc 1', 'doc 2']);
  });
});

describe('the workshop prompt', () => {
  test('system confines the model to the context; the user turn numbers passages with their ids', () => {
    const hits = retrieve('What is RAG?', WORKSHOP_DOCS, 2);
    const [system, user] = ragMessages('What is RAG?', hits);
    assert.deepEqual(system, { role: 'system', content: RAG_SYSTEM_PROMPT });
    assert.equal(RAG_SYSTEM_PROMPT, 'Answer using ONLY the provided context. If insufficient, say so.');
    assert.match(user.content, /^Context:\n\[1\] \(rag#1\) RAG combines retrieval/);
    assert.match(user.content, /Question: What is RAG\?/);
  });
});
