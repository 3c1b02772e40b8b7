/**
 * Foundry Local's PromptTemplate (inference_model.json) derived from the model's own jinja
 * chat template: each role's template is what the jinja template adds for one message of
 * that role, with the message text replaced by {Content}:
 *
 *   system    = render([S])                 with S -> {Content}
 *   user      = render([S, U]) - render([S])
 *   assistant = render([S, U, A, U2]) - render([S, U]) - the user part of U2
 *               (an assistant turn followed by another user turn: templates such as Qwen3's
 *               add a reasoning block to a final assistant turn only)
 *   prompt    = render([U], add_generation_prompt) with U -> {Content}
 *
 * Templates that are not prefix-stable (a later message changes earlier text) cannot be
 * cut this way; and a cut is kept only if Foundry-style rendering of a test conversation
 * gives exactly the jinja template's text. Otherwise only `prompt` is written, and the
 * engine keeps using the jinja template (its precedence: role templates, then jinja).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadChatTemplate, renderFoundry, type ChatMessage, type ChatTemplate, type FoundryPromptTemplate } from '../engine/chat-template';

const MARK = { system: '\u2063SYS\u2063', user: '\u2063USR\u2063', user2: '\u2063US2\u2063', assistant: '\u2063AST\u2063' };

export interface DerivedTemplate {
  template: FoundryPromptTemplate;
  /** True when the role templates reproduce the jinja template exactly on a test conversation. */
  exact: boolean;
}

/** Null when the folder has no jinja chat template. */
export function derivePromptTemplate(dir: string): DerivedTemplate | null {
  const chat = readChatTemplate(dir);
  if (!chat) return null;
  const render = (m: ChatMessage[], gen: boolean): string | null => { try { return chat.render(m, gen); } catch { return null; } };
  const content = (text: string, mark: string) => text.split(mark).join('{Content}');
  const S: ChatMessage = { role: 'system', content: MARK.system };
  const U: ChatMessage = { role: 'user', content: MARK.user };
  const A: ChatMessage = { role: 'assistant', content: MARK.assistant };
  const prompt = render([U], true);
  const template: FoundryPromptTemplate = {};
  if (prompt !== null && prompt.includes(MARK.user)) template.prompt = content(prompt, MARK.user);
  const r1 = render([S], false);
  const r2 = render([S, U], false);
  const U2: ChatMessage = { role: 'user', content: MARK.user2 };
  const r4 = render([S, U, A, U2], false);
  if (r1 === null || r2 === null || r4 === null || !r2.startsWith(r1) || !r4.startsWith(r2)) return { template, exact: false };
  const userPart = r2.slice(r1.length);
  const user2Part = userPart.split(MARK.user).join(MARK.user2);
  if (!r4.endsWith(user2Part)) return { template, exact: false };
  const roles: FoundryPromptTemplate = {
    system: content(r1, MARK.system), user: content(userPart, MARK.user),
    assistant: content(r4.slice(r2.length, r4.length - user2Part.length), MARK.assistant),
  };
  const test: ChatMessage[] = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }, { role: 'assistant', content: 'Hi.' }, { role: 'user', content: 'Why is the sky blue?' }];
  const exact = [false, true].every((gen) => render(test, gen) === renderFoundry(roles, test, gen));
  return exact ? { template: { ...roles, ...template }, exact } : { template, exact: false };
}

function readChatTemplate(dir: string): ChatTemplate | null {
  let config: Record<string, unknown>;
  try { config = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>; } catch { return null; }
  let jinja: string | null = null;
  try { jinja = fs.readFileSync(path.join(dir, 'chat_template.jinja'), 'utf8'); } catch { /* optional */ }
  const t = loadChatTemplate(dir, config, null, jinja);
  return t.source === 'chat_template' ? t : null;
}
