/**
 * A Hugging Face byte-level BPE tokenizer (tokenizer.json + tokenizer_config.json) as GGUF's
 * tokenizer.ggml.* metadata (ggml's docs/gguf.md, "Tokenizer"; llama.cpp's llama-vocab.cpp):
 *   tokenizer.ggml.model      "gpt2" (byte-level BPE)
 *   tokenizer.ggml.pre        the pre-tokenizer's regex family, e.g. "qwen2", "llama-bpe"
 *   tokenizer.ggml.tokens     every id's string, in the GPT-2 byte alphabet as tokenizer.json has it
 *   tokenizer.ggml.token_type 1 normal, 3 control (special added tokens), 4 user defined, 5 unused
 *   tokenizer.ggml.merges     "a b" per merge, in rank order
 *   tokenizer.ggml.{eos,padding,bos}_token_id, add_bos_token, and tokenizer.chat_template
 * Ids the tokenizer does not define (a vocabulary padded to a multiple of 64, as Qwen's is)
 * become "[PAD<id>]" tokens of type unused, as llama.cpp's converter writes them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelInvalidError } from '../errors';
import type { GgufValue } from '../onnx/gguf-writer';

const TOKEN_NORMAL = 1;
const TOKEN_CONTROL = 3;
const TOKEN_USER_DEFINED = 4;
const TOKEN_UNUSED = 5;

interface AddedToken { id: number; content: string; special?: boolean }

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new ModelInvalidError(`cannot read ${file} (${(e as Error).message}): the model folder needs Hugging Face tokenizer files to become a GGUF`);
  }
}

function tokenId(tokens: readonly string[], value: unknown): number | null {
  const content = typeof value === 'string' ? value : value && typeof value === 'object' ? (value as { content?: unknown }).content : null;
  if (typeof content !== 'string') return null;
  const id = tokens.indexOf(content);
  return id >= 0 ? id : null;
}

/** Metadata entries for the tokenizer in `dir`, with the vocabulary padded to `vocabSize`. */
export function tokenizerMetadata(dir: string, vocabSize: number, pre: string): { entries: [string, GgufValue][]; notes: string[] } {
  const tj = readJson(path.join(dir, 'tokenizer.json'));
  const configFile = path.join(dir, 'tokenizer_config.json');
  const tc = fs.existsSync(configFile) ? readJson(configFile) : {};
  const model = tj.model as { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] } | undefined;
  if (!model || model.type !== 'BPE' || !model.vocab) {
    throw new ModelInvalidError(`${dir}/tokenizer.json is not a byte-level BPE tokenizer (model.type ${JSON.stringify(model?.type)}): only BPE tokenizers (Qwen, Llama 3, Phi-4) can be carried into GGUF here`);
  }
  // Llama 2 / Phi-3-mini style: SentencePiece turned into BPE with byte fallback (tokenizer.json
  // model.byte_fallback, a Metaspace pre-tokenizer). llama.cpp tokenises those as its 'llama'
  // model with scores, not as gpt2: refused rather than written as the wrong kind.
  if ((model as { byte_fallback?: unknown }).byte_fallback === true) {
    throw new ModelInvalidError(`${dir}/tokenizer.json is a SentencePiece vocabulary with byte fallback (Llama 2 / Phi-3-mini style): GGUF's 'llama' tokenizer model for it is not written here, only byte-level BPE (Qwen, Llama 3, Phi-4) is; export a model with a byte-level BPE tokenizer`);
  }
  const notes: string[] = [];
  const tokens = new Array<string>(vocabSize);
  const types = new Int32Array(vocabSize);
  for (const [s, id] of Object.entries(model.vocab)) {
    if (id < vocabSize) { tokens[id] = s; types[id] = TOKEN_NORMAL; }
  }
  for (const t of (tj.added_tokens as AddedToken[] | undefined) ?? []) {
    if (t.id >= vocabSize) throw new ModelInvalidError(`token ${JSON.stringify(t.content)} has id ${t.id}, beyond the model's ${vocabSize}-token vocabulary: the tokenizer does not belong to this model`);
    tokens[t.id] = t.content;
    types[t.id] = t.special ? TOKEN_CONTROL : TOKEN_USER_DEFINED;
  }
  let padded = 0;
  for (let i = 0; i < vocabSize; i++) {
    if (tokens[i] === undefined) { tokens[i] = `[PAD${i}]`; types[i] = TOKEN_UNUSED; padded++; }
  }
  if (padded) notes.push(`vocabulary padded with ${padded} unused [PAD] tokens to the model's ${vocabSize} ids`);
  const merges = (model.merges ?? []).map((m) => (Array.isArray(m) ? m.join(' ') : m));

  const entries: [string, GgufValue][] = [
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: pre }],
    ['tokenizer.ggml.tokens', { type: 'strings', value: tokens }],
    ['tokenizer.ggml.token_type', { type: 'i32s', value: types }],
    ['tokenizer.ggml.merges', { type: 'strings', value: merges }],
  ];
  const eos = tokenId(tokens, tc.eos_token);
  const pad = tokenId(tokens, tc.pad_token);
  const bos = tokenId(tokens, tc.bos_token);
  if (eos !== null) entries.push(['tokenizer.ggml.eos_token_id', { type: 'u32', value: eos }]);
  if (pad !== null) entries.push(['tokenizer.ggml.padding_token_id', { type: 'u32', value: pad }]);
  if (bos !== null) entries.push(['tokenizer.ggml.bos_token_id', { type: 'u32', value: bos }]);
  entries.push(['tokenizer.ggml.add_bos_token', { type: 'bool', value: tc.add_bos_token === true && bos !== null }]);
  if (typeof tc.chat_template === 'string') entries.push(['tokenizer.chat_template', { type: 'string', value: tc.chat_template }]);
  else notes.push('no chat template in tokenizer_config.json: the GGUF carries none');
  return { entries, notes };
}
