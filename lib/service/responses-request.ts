/**
 * POST /v1/responses bodies -> engine requests (OpenAI's Responses API, text only:
 * https://platform.openai.com/docs/api-reference/responses/create). Every rejection is a 400
 * naming the field. Like Foundry Local (sdk_v2/cpp/src/service/responses_handler.cc), nonzero
 * frequency/presence penalties are refused; unlike it, tools and non-text inputs are refused
 * too, because the engine runs text-only models without tool calling.
 */
import { randomBytes } from 'node:crypto';
import { parseProvider, type ProviderName } from '../engine/providers';
import { validateSampling } from '../engine/sampling';
import type { ChatMessage, GenerateRequest } from '../engine/types';
import { InvalidRequestError } from '../errors';
import { badRequest } from './errors';

type Json = Record<string, unknown>;

export interface ResponsesCall {
  model: string;
  /** This request's own turns (instructions and earlier turns excluded). */
  turns: ChatMessage[];
  /** The request's input items as /input_items lists them (each with an id). */
  inputItems: Json[];
  instructions: string | null;
  previousResponseId: string | null;
  stream: boolean;
  store: boolean;
  /** Sampling and length, for the engine (messages are added once the conversation is known). */
  sampling: Omit<GenerateRequest, 'messages' | 'prompt' | 'raw'>;
  /** The request's fields that the response object echoes. */
  echo: {
    instructions: string | null; max_output_tokens: number | null; temperature: number; top_p: number;
    previous_response_id: string | null; store: boolean; metadata: Json; user: string | null; parallel_tool_calls: boolean;
  };
  ep?: ProviderName;
  ttl?: number;
}

/** Ids like OpenAI's: a prefix and random hex (resp_…, msg_…). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('hex')}`;
}

const given = (v: unknown) => v !== undefined && v !== null;
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);
const ROLES = ['user', 'system', 'developer', 'assistant'];

function textOf(content: unknown, where: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw badRequest(`${where}.content must be a string or an array of input_text parts; got ${kind(content)}`, `${where}.content`);
  return content.map((part: unknown, j) => {
    const p = (part ?? {}) as Json;
    if ((p.type === 'input_text' || p.type === 'output_text' || p.type === 'text') && typeof p.text === 'string') return p.text;
    throw badRequest(`${where}.content[${j}] is ${JSON.stringify(p.type ?? kind(part))}: this service runs text-only models, so send input_text parts`, `${where}.content`);
  }).join('');
}

/** The input as chat turns, and as stored input items. */
function parseInput(input: unknown): { turns: ChatMessage[]; items: Json[] } {
  if (typeof input === 'string') {
    return { turns: [{ role: 'user', content: input }], items: [{ type: 'message', id: newId('msg'), role: 'user', status: 'completed', content: [{ type: 'input_text', text: input }] }] };
  }
  if (!Array.isArray(input) || input.length === 0) {
    throw badRequest(input === undefined ? 'input is required: a string, or an array of {role, content} messages' : `input must be a string or a non-empty array of messages; got ${Array.isArray(input) ? 'an empty array' : kind(input)}`, 'input');
  }
  const turns: ChatMessage[] = [];
  const items: Json[] = [];
  input.forEach((item: unknown, i) => {
    const where = `input[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw badRequest(`${where} must be an object {role, content}; got ${kind(item)}`, where);
    const it = item as Json;
    if (it.type !== undefined && it.type !== 'message') {
      throw badRequest(`${where} is a ${JSON.stringify(it.type)} item: this service takes message items only (no tools, no item references)`, `${where}.type`);
    }
    if (typeof it.role !== 'string' || !ROLES.includes(it.role)) throw badRequest(`${where}.role is ${JSON.stringify(it.role)}: use one of ${ROLES.join(', ')}`, `${where}.role`);
    const text = textOf(it.content, where);
    // The Responses API's 'developer' is the system prompt under another name (as Foundry maps it).
    turns.push({ role: (it.role === 'developer' ? 'system' : it.role) as ChatMessage['role'], content: text });
    const partType = it.role === 'assistant' ? 'output_text' : 'input_text';
    items.push({ type: 'message', id: typeof it.id === 'string' && it.id ? it.id : newId('msg'), role: it.role, status: 'completed', content: [{ type: partType, text }] });
  });
  return { turns, items };
}

function int(b: Json, key: string, min: number): number | undefined {
  const v = b[key];
  if (!given(v)) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw badRequest(`${key} must be an integer from ${min} up; got ${JSON.stringify(v)}`, key);
  return v;
}

function num(b: Json, key: string): number | undefined {
  const v = b[key];
  if (!given(v)) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest(`${key} must be a number; got ${kind(v)}`, key);
  return v;
}

function bool(b: Json, key: string): boolean | undefined {
  const v = b[key];
  if (!given(v)) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`${key} must be true or false; got ${JSON.stringify(v)}`, key);
  return v;
}

function str(b: Json, key: string): string | undefined {
  const v = b[key];
  if (!given(v)) return undefined;
  if (typeof v !== 'string') throw badRequest(`${key} must be a string; got ${kind(v)}`, key);
  return v;
}

export function parseResponsesRequest(body: unknown): ResponsesCall {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`the request body must be a JSON object; got ${kind(body)}`);
  const b = body as Json;
  if (typeof b.model !== 'string' || b.model.trim() === '') {
    throw badRequest(b.model === undefined ? 'model is required: the id or alias of a model (see GET /v1/models)' : `model must be a non-empty string; got ${kind(b.model)}`, 'model');
  }
  const { turns, items } = parseInput(b.input);
  if (Array.isArray(b.tools) && b.tools.length > 0) throw badRequest('tools are not supported by this service yet: send the request without tools', 'tools');
  for (const key of ['frequency_penalty', 'presence_penalty']) {
    if ((num(b, key) ?? 0) !== 0) throw badRequest(`nonzero ${key} is not supported (as in Foundry Local): leave it unset`, key);
  }
  const text = b.text as Json | undefined | null;
  if (given(text)) {
    const format = (text as Json).format as Json | undefined;
    if (typeof text !== 'object' || (given(format) && (typeof format !== 'object' || format!.type !== 'text'))) {
      throw badRequest('text.format must be {type: "text"}: JSON and schema-constrained output are not supported yet', 'text.format');
    }
  }
  if (given(b.background) && b.background !== false) throw badRequest('background responses are not supported: leave background unset', 'background');
  if (given(b.metadata) && (typeof b.metadata !== 'object' || Array.isArray(b.metadata))) throw badRequest(`metadata must be an object of strings; got ${kind(b.metadata)}`, 'metadata');

  const maxTokens = int(b, 'max_output_tokens', 1);
  const temperature = num(b, 'temperature');
  const topP = num(b, 'top_p');
  const seed = int(b, 'seed', Number.MIN_SAFE_INTEGER);
  let used;
  try {
    used = validateSampling({ temperature, topP, seed });
  } catch (e) {
    if (e instanceof InvalidRequestError) throw badRequest(e.message, e.param ?? null);
    throw e;
  }
  let ep: ProviderName | undefined;
  const epText = str(b, 'ep');
  if (epText !== undefined) {
    try { ep = parseProvider(epText); } catch (e) { throw badRequest((e as Error).message, 'ep', 'unknown_provider'); }
  }
  const ttl = int(b, 'ttl', 0);
  const instructions = str(b, 'instructions') ?? null;
  const previousResponseId = str(b, 'previous_response_id') || null;
  const store = bool(b, 'store') ?? true;

  const sampling: ResponsesCall['sampling'] = {};
  if (maxTokens !== undefined) sampling.maxTokens = maxTokens;
  if (temperature !== undefined) sampling.temperature = temperature;
  if (topP !== undefined) sampling.topP = topP;
  if (seed !== undefined) sampling.seed = seed;
  const call: ResponsesCall = {
    model: b.model, turns, inputItems: items, instructions, previousResponseId,
    stream: bool(b, 'stream') ?? false, store, sampling,
    echo: {
      instructions, max_output_tokens: maxTokens ?? null, temperature: used.temperature, top_p: used.topP, // what the engine uses (slmlab's default is greedy)
      previous_response_id: previousResponseId, store, metadata: (b.metadata as Json | undefined) ?? {},
      user: str(b, 'user') ?? null, parallel_tool_calls: bool(b, 'parallel_tool_calls') ?? true,
    },
  };
  if (ep) call.ep = ep;
  if (ttl !== undefined) call.ttl = ttl;
  return call;
}
