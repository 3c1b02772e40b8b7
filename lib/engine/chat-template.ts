/**
 * The model's chat format: how a conversation becomes prompt text. Three sources, in the
 * order Foundry Local's Core uses: the model's own jinja chat_template (tokenizer_config.json
 * or chat_template.jinja; Foundry renders every chat prompt with ONNX Runtime GenAI's
 * ApplyChatTemplate and the model's template, Foundry-Local
 * sdk_v2/cpp/src/inferencing/generative/chat/chat_template.cc), then inference_model.json's
 * PromptTemplate when the model has no template of its own (Foundry keeps it as metadata
 * only), then plain "role: content" lines when the folder has neither. TextTokenizer reads
 * the files and loads one ChatTemplate from them; templateNote() says when the prompt was
 * not built with the model's own template.
 */
import * as path from 'node:path';
import { InvalidRequestError, ModelInvalidError, errorText } from '../errors';

/*
 * @huggingface/jinja ships a CommonJS build, but its type declarations are ES modules,
 * which TypeScript refuses to import from a CommonJS file. So it is loaded with require()
 * and typed by the slice of its API used here.
 */
interface JinjaTemplate { render(items: Record<string, unknown>): string }
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

/** One model's chat format, whichever source it came from. */
export interface ChatTemplate {
  readonly source: TemplateSource;
  /** The prompt text for messages already checked by validateMessages. */
  render(messages: ChatMessage[], addGenerationPrompt: boolean): string;
}

/**
 * Picks the chat format: the jinja chat_template (config's, else chat_template.jinja's text)
 * if there is one, else the Foundry PromptTemplate, else plain lines. A jinja template that
 * does not parse is an error.
 */
export function loadChatTemplate(dir: string, config: Record<string, unknown>,
  promptTemplate: FoundryPromptTemplate | null, jinjaFileText: string | null): ChatTemplate {
  const templateText = jinjaChatTemplate(config) ?? jinjaFileText;
  let jinja: JinjaTemplate | null = null;
  if (templateText !== null) {
    try {
      jinja = new Template(templateText);
    } catch (cause) {
      throw new ModelInvalidError(`the chat_template in ${dir} does not parse (${errorText(cause)}): ` +
        `fix it or copy tokenizer_config.json from the model's original repository`, { cause });
    }
  }
  if (jinja) {
    const template = jinja;
    return { source: 'chat_template', render: (messages, gen) => renderJinja(template, config, messages, gen) };
  }
  if (promptTemplate) {
    return { source: 'inference_model.json', render: (messages, gen) => renderFoundry(promptTemplate, messages, gen) };
  }
  return { source: 'plain', render: renderPlain };
}

/**
 * Null when prompts are built with the model's own chat template (as Foundry Local builds them);
 * otherwise a sentence for results saying which template was used instead, since token counts
 * and TTFT can then differ from Foundry Local's for the same request.
 */
export function templateNote(source: TemplateSource): string | null {
  if (source === 'chat_template') return null;
  if (source === 'inference_model.json') return "prompt built with inference_model.json's PromptTemplate: the model has no chat template of its own (Foundry Local renders with the model's chat template and would refuse a chat without one)";
  return 'prompt built as plain "role: content" lines: the model has neither a chat template nor a PromptTemplate';
}

export function validateMessages(messages: unknown): ChatMessage[] {
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
export function renderFoundry(t: FoundryPromptTemplate, messages: ChatMessage[], addGenerationPrompt: boolean): string {
  const CONTENT = '{Content}';
  // A system template without {Content} (Foundry's Mistral entry has just "<s>") would drop the
  // system text: keep the template's text once and fold the system text into the first user turn.
  if (t.system !== undefined && !t.system.includes(CONTENT) && messages.some((m) => m.role === 'system')) {
    return t.system + renderFoundry({ ...t, system: undefined }, foldSystemIntoFirstUser(messages), addGenerationPrompt);
  }
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

/**
 * Renders the jinja chat template. Some templates raise on a system message (Mistral v0.2's
 * accepts only alternating user/assistant turns); Mistral's docs advise putting the system
 * text at the start of the first user turn instead, so that is the retry: the template sees
 * the same conversation without the system role. Any other failure is the caller's error.
 */
function renderJinja(template: JinjaTemplate, config: Record<string, unknown>,
  messages: ChatMessage[], addGenerationPrompt: boolean): string {
  const render = (msgs: ChatMessage[]) => template.render({
    messages: msgs,
    add_generation_prompt: addGenerationPrompt,
    bos_token: tokenText(config.bos_token) ?? '',
    eos_token: tokenText(config.eos_token) ?? '',
    pad_token: tokenText(config.pad_token) ?? '',
  });
  try {
    return render(messages);
  } catch (cause) {
    if (messages.some((m) => m.role === 'system')) {
      try {
        return render(foldSystemIntoFirstUser(messages));
      } catch { /* report the original failure below */ }
    }
    throw new InvalidRequestError(`the model's chat template rejected these messages: ${errorText(cause)}`, 'messages');
  }
}

/**
 * The conversation without system messages: their text (joined by blank lines) opens the
 * first user turn, or becomes a user turn of its own when there is none.
 */
export function foldSystemIntoFirstUser(messages: ChatMessage[]): ChatMessage[] {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
  const rest = messages.filter((m) => m.role !== 'system');
  const first = rest.findIndex((m) => m.role === 'user');
  if (first < 0) return [{ role: 'user', content: system }, ...rest];
  return rest.map((m, i) => (i === first ? { role: 'user', content: system ? `${system}\n\n${m.content}` : m.content } : m));
}

function renderPlain(messages: ChatMessage[], addGenerationPrompt: boolean): string {
  return messages.map((m) => `${m.role}: ${m.content}\n`).join('') + (addGenerationPrompt ? 'assistant: ' : '');
}

/** inference_model.json's PromptTemplate (`file` is that file, parsed), or null if it has no role templates. */
export function foundryPromptTemplate(dir: string, file: Record<string, unknown>): FoundryPromptTemplate | null {
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
export function jinjaChatTemplate(config: Record<string, unknown>): string | null {
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
export function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}
