/**
 * Text <-> token ids for the engine: a Hugging Face tokenizer (tokenizer.json) plus the
 * model's chat format, read from a model folder.
 *
 * Chat format precedence follows Foundry Local: its inference_model.json PromptTemplate
 * wins over tokenizer_config.json's jinja chat_template, so a Foundry model prompts
 * exactly as Foundry prompts it. The formats themselves are in chat-template.ts, and
 * streaming decode (ids to text as they are sampled) in stream-decoder.ts.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidRequestError, ModelInvalidError, ModelNotFoundError, errorText } from '../errors';
import {
  foundryPromptTemplate, loadChatTemplate, tokenText, validateMessages,
  type ChatMessage, type ChatTemplate, type TemplateSource,
} from './chat-template';
import { WindowStreamDecoder, type StreamDecoder } from './stream-decoder';

export type { ChatMessage, ChatRole, FoundryPromptTemplate, TemplateSource } from './chat-template';
export type { StreamDecoder } from './stream-decoder';

/*
 * @huggingface/tokenizers ships a CommonJS build, but its type declarations are ES modules,
 * which TypeScript refuses to import from a CommonJS file. So it is loaded with require()
 * and typed by the slice of its API used here.
 */
interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
  decode(ids: number[], options?: { skip_special_tokens?: boolean; clean_up_tokenization_spaces?: boolean }): string;
  token_to_id(token: string): number | undefined;
  get_added_tokens_decoder(): Map<number, { content: string; special: boolean }>;
  /** id -> token text, added tokens included; holes are ids the vocabulary skips. */
  model: { vocab: Array<string | undefined> } | null;
}
const { Tokenizer } = require('@huggingface/tokenizers') as {
  Tokenizer: new (tokenizerJson: object, tokenizerConfig: object) => HfTokenizer;
};

/** The text of a model folder's tokenizer files (null: the optional file is absent). */
export interface TokenizerFileTexts {
  tokenizerJson: string;
  /** ONNX Runtime GenAI folders normally carry it; null when absent (no chat template or special-token list then). */
  tokenizerConfig: string | null;
  inferenceModel?: string | null;
  chatTemplateJinja?: string | null;
}

/** Files fromFiles() reads, by their names in a model folder. */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'inference_model.json', 'chat_template.jinja'] as const;

export class TextTokenizer {
  readonly templateSource: TemplateSource;
  private readonly tokenizer: HfTokenizer;
  private readonly config: Record<string, unknown>;
  private readonly chatTemplate: ChatTemplate;
  private readonly vocab: ReadonlyArray<string | undefined>;

  private constructor(tokenizer: HfTokenizer, config: Record<string, unknown>, chatTemplate: ChatTemplate) {
    this.tokenizer = tokenizer;
    this.config = config;
    this.chatTemplate = chatTemplate;
    this.vocab = tokenizer.model?.vocab ?? [];
    this.templateSource = chatTemplate.source;
  }

  /** Loads tokenizer.json + tokenizer_config.json (+ inference_model.json if present) from a model folder. */
  static async fromFolder(dir: string): Promise<TextTokenizer> {
    const [tokenizerJson, tokenizerConfig, inferenceModel, chatTemplateJinja] = await Promise.all([
      readRequired(dir, 'tokenizer.json'),
      // ONNX Runtime GenAI folders normally carry it; without it there is no chat template or special-token list.
      readOptional(dir, 'tokenizer_config.json'),
      readOptional(dir, 'inference_model.json'),
      // transformers >= 4.43 may keep the template in its own file instead of the config.
      readOptional(dir, 'chat_template.jinja'),
    ]);
    return TextTokenizer.fromFiles({ tokenizerJson, tokenizerConfig, inferenceModel, chatTemplateJinja }, dir);
  }

  /**
   * The same tokenizer from the files' text, however they were read: the in-browser
   * inference page fetches them and calls this, so browser and engine share one implementation.
   * `dir` only names the folder in error messages.
   */
  static fromFiles(files: TokenizerFileTexts, dir: string): TextTokenizer {
    const tokenizerJson = parseObject(dir, 'tokenizer.json', files.tokenizerJson);
    const config = files.tokenizerConfig == null ? {} : parseObject(dir, 'tokenizer_config.json', files.tokenizerConfig);
    let tokenizer: HfTokenizer;
    try {
      tokenizer = new Tokenizer(tokenizerJson, config);
      tokenizer.encode('Hello', { add_special_tokens: false });
    } catch (cause) {
      throw new ModelInvalidError(`${path.join(dir, 'tokenizer.json')} (with tokenizer_config.json) is not a tokenizer @huggingface/tokenizers can load ` +
        `(${errorText(cause)}): ${TOKENIZER_FIX}`, { cause });
    }
    const inference = files.inferenceModel ?? null;
    const promptTemplate = inference === null ? null
      : foundryPromptTemplate(dir, parseObject(dir, 'inference_model.json', inference));
    return new TextTokenizer(tokenizer, config, loadChatTemplate(dir, config, promptTemplate, files.chatTemplateJinja ?? null));
  }

  /** Highest token id + 1 (the model's vocabulary may be padded beyond it). */
  get size(): number { return this.vocab.length; }

  encode(text: string, { addSpecialTokens = false }: { addSpecialTokens?: boolean } = {}): number[] {
    if (typeof text !== 'string') throw new InvalidRequestError('text to encode must be a string', 'text');
    return this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
  }

  /**
   * Ids the tokenizer does not know (a synthetic model's padded vocabulary) decode to
   * nothing. Tokenisation-space clean-up (" ." -> ".") is always off: it is lossy, and
   * generated text must be exactly what the tokens spell.
   */
  decode(ids: readonly number[], { skipSpecialTokens = true }: { skipSpecialTokens?: boolean } = {}): string {
    const known = ids.filter((id) => this.isKnownId(id));
    if (known.length === 0) return '';
    return this.tokenizer.decode(known, { skip_special_tokens: skipSpecialTokens, clean_up_tokenization_spaces: false });
  }

  tokenToId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  /** Ids of special tokens (the ones decode skips). Stop ids come from the model config, not here. */
  specialTokenIds(): Set<number> {
    const ids = new Set<number>();
    for (const [id, token] of this.tokenizer.get_added_tokens_decoder()) if (token.special) ids.add(id);
    const extra = this.config.additional_special_tokens;
    if (Array.isArray(extra)) {
      for (const t of extra) {
        const id = this.tokenToId(tokenText(t) ?? '');
        if (id !== undefined) ids.add(id);
      }
    }
    return ids;
  }

  /** The prompt text for a conversation, ending with the assistant's turn opener by default. */
  renderChat(messages: ChatMessage[], { addGenerationPrompt = true }: { addGenerationPrompt?: boolean } = {}): string {
    return this.chatTemplate.render(validateMessages(messages), addGenerationPrompt);
  }

  /** Prompt ids for a conversation. No extra specials: the template writes its own. */
  encodeChat(messages: ChatMessage[], options: { addGenerationPrompt?: boolean } = {}): number[] {
    return this.encode(this.renderChat(messages, options), { addSpecialTokens: false });
  }

  /** A decoder for one generation: feed it ids as they are sampled. */
  createStreamDecoder(): StreamDecoder {
    return new WindowStreamDecoder((ids) => this.decode(ids), (id) => this.isKnownId(id));
  }

  private isKnownId(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.vocab.length && this.vocab[id] !== undefined;
  }
}

async function readRequired(dir: string, name: string): Promise<string> {
  const file = path.join(dir, name);
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ModelNotFoundError(`${file} not found: the model folder needs the tokenizer files a model builder writes ` +
        `(tokenizer.json and tokenizer_config.json); rebuild the model (slmlab model build <shape>) or download it again`);
    }
    throw new ModelInvalidError(`cannot read ${file} (${errorText(cause)}): check the folder's permissions`, { cause });
  }
}

async function readOptional(dir: string, name: string): Promise<string | null> {
  try {
    return await readFile(path.join(dir, name), 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ModelInvalidError(`cannot read ${path.join(dir, name)} (${errorText(cause)}): check the folder's permissions`, { cause });
  }
}

/** What to do about tokenizer files that do not load; the catalog's tokenizerSource does this for known cases. */
const TOKENIZER_FIX = 'replace tokenizer.json and tokenizer_config.json with those of the original model repository ' +
  '(or its onnx-community copy), or name that repository as the variant\'s "tokenizerSource" in the catalog and download again';

function parseObject(dir: string, name: string, text: string): Record<string, unknown> {
  let value: unknown;
  const fix = name.startsWith('tokenizer') ? TOKENIZER_FIX : "replace it with the file from the model's original source";
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ModelInvalidError(`${path.join(dir, name)} is not valid JSON (${errorText(cause)}): ${fix}`, { cause });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ModelInvalidError(`${path.join(dir, name)} must hold a JSON object: ${fix}`);
  }
  return value as Record<string, unknown>;
}
