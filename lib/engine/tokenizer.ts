/**
 * Text <-> token ids for the engine: a Hugging Face tokenizer (tokenizer.json) plus the
 * model's chat format, read from a model folder.
 *
 * Chat format precedence follows Foundry Local: its inference_model.json PromptTemplate
 * wins over tokenizer_config.json's jinja chat_template, so a Foundry model prompts
 * exactly as Foundry prompts it.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidRequestError, ModelInvalidError, ModelNotFoundError } from '../errors';

/*
 * Both packages ship a CommonJS build, but their type declarations are ES modules, which
 * TypeScript refuses to import from a CommonJS file. So they are loaded with require()
 * and typed by the slices of their API used here.
 */
interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
  decode(ids: number[], options?: { skip_special_tokens?: boolean; clean_up_tokenization_spaces?: boolean }): string;
  token_to_id(token: string): number | undefined;
  get_added_tokens_decoder(): Map<number, { content: string; special: boolean }>;
  /** id -> token text, added tokens included; holes are ids the vocabulary skips. */
  model: { vocab: Array<string | undefined> } | null;
}
interface JinjaTemplate { render(items: Record<string, unknown>): string }
const { Tokenizer } = require('@huggingface/tokenizers') as {
  Tokenizer: new (tokenizerJson: object, tokenizerConfig: object) => HfTokenizer;
};
const { Template } = require('@huggingface/jinja') as { Template: new (source: string) => JinjaTemplate };

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';
export interface ChatMessage { role: ChatRole; content: string }
const ROLES: readonly ChatRole[] = ['system', 'user', 'assistant', 'tool'];

/** Where the chat format came from; 'plain' means the folder has none (role: content lines). */
export type TemplateSource = 'inference_model.json' | 'chat_template' | 'plain';

/** Foundry Local's per-role prompt templates; `{Content}` stands for the message text. */
export interface FoundryPromptTemplate {
  system?: string;
  user?: string;
  assistant?: string;
  /** A whole single-turn prompt; chat rendering does not need it. */
  prompt?: string;
}

export interface StreamDecoder {
  /** Takes the next generated id; returns the text it completes (often '', never half a character). */
  push(id: number): string;
  /** Returns whatever is still held back (an unfinished character decodes as U+FFFD). */
  flush(): string;
}

export class TextTokenizer {
  readonly templateSource: TemplateSource;
  private readonly tokenizer: HfTokenizer;
  private readonly config: Record<string, unknown>;
  private readonly chatTemplate: JinjaTemplate | null;
  private readonly promptTemplate: FoundryPromptTemplate | null;
  private readonly vocab: ReadonlyArray<string | undefined>;

  private constructor(tokenizer: HfTokenizer, config: Record<string, unknown>,
    chatTemplate: JinjaTemplate | null, promptTemplate: FoundryPromptTemplate | null) {
    this.tokenizer = tokenizer;
    this.config = config;
    this.chatTemplate = chatTemplate;
    this.promptTemplate = promptTemplate;
    this.vocab = tokenizer.model?.vocab ?? [];
    this.templateSource = promptTemplate ? 'inference_model.json' : chatTemplate ? 'chat_template' : 'plain';
  }

  /** Loads tokenizer.json + tokenizer_config.json (+ inference_model.json if present) from a model folder. */
  static async fromFolder(dir: string): Promise<TextTokenizer> {
    const [jsonText, configText, foundryText, jinjaText] = await Promise.all([
      readRequired(dir, 'tokenizer.json'),
      readRequired(dir, 'tokenizer_config.json'),
      readOptional(dir, 'inference_model.json'),
      // transformers >= 4.43 may keep the template in its own file instead of the config.
      readOptional(dir, 'chat_template.jinja'),
    ]);
    const tokenizerJson = parseObject(dir, 'tokenizer.json', jsonText);
    const config = parseObject(dir, 'tokenizer_config.json', configText);
    let tokenizer: HfTokenizer;
    try {
      tokenizer = new Tokenizer(tokenizerJson, config);
    } catch (cause) {
      throw new ModelInvalidError(`${path.join(dir, 'tokenizer.json')} is not a tokenizer @huggingface/tokenizers can load ` +
        `(${errorText(cause)}): replace it with the tokenizer.json of the model's original repository`, { cause });
    }
    const promptTemplate = foundryText === null ? null : foundryPromptTemplate(dir, foundryText);
    const templateText = jinjaChatTemplate(config) ?? jinjaText;
    let chatTemplate: JinjaTemplate | null = null;
    if (templateText !== null) {
      try {
        chatTemplate = new Template(templateText);
      } catch (cause) {
        throw new ModelInvalidError(`the chat_template in ${dir} does not parse (${errorText(cause)}): ` +
          `fix it or copy tokenizer_config.json from the model's original repository`, { cause });
      }
    }
    return new TextTokenizer(tokenizer, config, chatTemplate, promptTemplate);
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
    const checked = validateMessages(messages);
    if (this.promptTemplate) return renderFoundry(this.promptTemplate, checked, addGenerationPrompt);
    if (this.chatTemplate) {
      try {
        return this.chatTemplate.render({
          messages: checked,
          add_generation_prompt: addGenerationPrompt,
          bos_token: tokenText(this.config.bos_token) ?? '',
          eos_token: tokenText(this.config.eos_token) ?? '',
          pad_token: tokenText(this.config.pad_token) ?? '',
        });
      } catch (cause) {
        throw new InvalidRequestError(`the model's chat template rejected these messages: ${errorText(cause)}`, 'messages');
      }
    }
    return checked.map((m) => `${m.role}: ${m.content}\n`).join('') + (addGenerationPrompt ? 'assistant: ' : '');
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

/**
 * Incremental detokenisation in O(1) per token. Decoding a token on its own is wrong in
 * general (byte-level tokens can hold part of a character; sentencepiece-style decoders
 * drop a leading space at the start of a text), so each step decodes a short window
 * "context + pending" and emits what it adds to the decoded context. Context is a few
 * ids already emitted; pending are ids whose text is not out yet. A delta ending in
 * U+FFFD means a character is still incomplete, so it is held back until a later id
 * completes it, or until so many ids are pending that the bytes are plainly invalid.
 */
class WindowStreamDecoder implements StreamDecoder {
  /** Emitted ids kept as left context for the next decode. */
  private static readonly CONTEXT = 4;
  /** A UTF-8 character has at most 4 bytes; beyond this, pending bytes will never complete one. */
  private static readonly MAX_PENDING = 8;
  private context: number[] = [];
  private pending: number[] = [];

  constructor(private readonly decodeIds: (ids: number[]) => string,
    private readonly isKnown: (id: number) => boolean) {}

  push(id: number): string {
    if (!this.isKnown(id)) return '';
    this.pending.push(id);
    const delta = this.delta();
    if (delta.endsWith('\uFFFD') && this.pending.length < WindowStreamDecoder.MAX_PENDING) return '';
    this.release();
    return delta;
  }

  flush(): string {
    if (this.pending.length === 0) return '';
    const delta = this.delta();
    this.release();
    return delta;
  }

  /** Text the pending ids add after the context. */
  private delta(): string {
    const before = this.decodeIds(this.context);
    const after = this.decodeIds(this.context.concat(this.pending));
    return after.slice(commonPrefixLength(before, after));
  }

  private release(): void {
    this.context = this.context.concat(this.pending).slice(-WindowStreamDecoder.CONTEXT);
    this.pending = [];
  }
}

/** Usually before.length; shorter only if the new ids changed how the context decodes. */
function commonPrefixLength(before: string, after: string): number {
  if (after.startsWith(before)) return before.length;
  let i = 0;
  while (i < before.length && i < after.length && before[i] === after[i]) i++;
  return i;
}

function validateMessages(messages: unknown): ChatMessage[] {
  if (!Array.isArray(messages)) throw new InvalidRequestError('messages must be an array of {role, content}', 'messages');
  return messages.map((m: unknown, i) => {
    const { role, content } = (m ?? {}) as { role?: unknown; content?: unknown };
    if (typeof role !== 'string' || !ROLES.includes(role as ChatRole)) {
      throw new InvalidRequestError(`messages[${i}].role is ${JSON.stringify(role)}: use one of ${ROLES.join(', ')}`, `messages[${i}].role`);
    }
    if (typeof content !== 'string') {
      throw new InvalidRequestError(`messages[${i}].content must be a string`, `messages[${i}].content`);
    }
    return { role: role as ChatRole, content };
  });
}

/**
 * Foundry's rendering: each message through its role's template, concatenated; the
 * generation prompt is the assistant template up to {Content}. A role without a template
 * (Foundry files often omit "tool") is formatted like a user turn, or verbatim if "user"
 * is missing too, which keeps the content in the prompt rather than dropping it.
 */
function renderFoundry(t: FoundryPromptTemplate, messages: ChatMessage[], addGenerationPrompt: boolean): string {
  const CONTENT = '{Content}';
  const templateFor = (role: ChatRole): string => {
    const own = role === 'tool' ? undefined : t[role];
    return own ?? (role === 'assistant' ? CONTENT : t.user ?? CONTENT);
  };
  // split/join rather than replace(): message text may contain "$&"-style patterns.
  let out = messages.map((m) => templateFor(m.role).split(CONTENT).join(m.content)).join('');
  if (addGenerationPrompt && t.assistant !== undefined) {
    const at = t.assistant.indexOf(CONTENT);
    out += at < 0 ? t.assistant : t.assistant.slice(0, at);
  }
  return out;
}

function foundryPromptTemplate(dir: string, text: string): FoundryPromptTemplate | null {
  const file = parseObject(dir, 'inference_model.json', text);
  const raw = file.PromptTemplate;
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ModelInvalidError(`PromptTemplate in ${path.join(dir, 'inference_model.json')} must be an object of role templates: fix or delete that file`);
  }
  const template: FoundryPromptTemplate = {};
  for (const key of ['system', 'user', 'assistant', 'prompt'] as const) {
    const value = (raw as Record<string, unknown>)[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      throw new ModelInvalidError(`PromptTemplate.${key} in ${path.join(dir, 'inference_model.json')} must be a string containing {Content}: fix or delete that file`);
    }
    template[key] = value;
  }
  // Only the role templates drive chat rendering; with none of them, use the tokenizer's template.
  const hasRoles = template.system !== undefined || template.user !== undefined || template.assistant !== undefined;
  return hasRoles ? template : null;
}

/** tokenizer_config.json's chat_template: a string, or a list of named templates (use "default"). */
function jinjaChatTemplate(config: Record<string, unknown>): string | null {
  const value = config.chat_template;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value as Array<{ name?: unknown; template?: unknown }>;
    const chosen = named.find((t) => t.name === 'default') ?? named[0];
    if (typeof chosen?.template === 'string') return chosen.template;
  }
  return null;
}

/** Special-token fields are a string, an AddedToken-like {content}, or null. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
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

function parseObject(dir: string, name: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ModelInvalidError(`${path.join(dir, name)} is not valid JSON (${errorText(cause)}): ` +
      `replace it with the file from the model's original source`, { cause });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ModelInvalidError(`${path.join(dir, name)} must hold a JSON object: replace it with the file from the model's original source`);
  }
  return value as Record<string, unknown>;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
