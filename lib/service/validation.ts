/**
 * POST /v1/chat/completions bodies -> engine requests. Every rejection is a 400 naming the
 * field (`param`) and what to send instead. OpenAI fields and Foundry Local's extras
 * (top_k, random_seed, ep, ttl) are accepted; fields the engine cannot honour are refused
 * rather than silently ignored when ignoring them would change the answer's meaning
 * (n > 1, tools, json response formats, logprobs). Fields that only tune sampling and are at
 * their neutral value, and unknown fields, are ignored as OpenAI's own server does.
 */
import { withEngine } from '../engines/model-id';
import { parseProvider, type ProviderName } from '../engine/providers';
import { validateSampling } from '../engine/sampling';
import type { ChatMessage, GenerateRequest } from '../engine/types';
import { InvalidRequestError } from '../errors';
import { badRequest } from './errors';

export interface ChatCall {
  model: string;
  request: GenerateRequest;
  stream: boolean;
  includeUsage: boolean;
  /** stream_options.continuous_usage_stats (vLLM's extension): cumulative usage on every content chunk. */
  continuousUsage: boolean;
  /** Foundry's `ep`: run on this execution provider. */
  ep?: ProviderName;
  /** Foundry's `ttl`: seconds the model stays loaded after its last request. */
  ttl?: number;
}

const ROLES = ['system', 'user', 'assistant', 'tool', 'developer'];
const MAX_STOP = 16;

type Json = Record<string, unknown>;

const given = (v: unknown) => v !== undefined && v !== null;
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

function integer(body: Json, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = body[key];
  if (!given(v)) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw badRequest(`${key} must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}; got ${JSON.stringify(v)}`, key);
  }
  return v;
}

function number(body: Json, key: string): number | undefined {
  const v = body[key];
  if (!given(v)) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest(`${key} must be a number; got ${kind(v)} ${JSON.stringify(v)}`, key);
  return v;
}

function boolean(body: Json, key: string): boolean | undefined {
  const v = body[key];
  if (!given(v)) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`${key} must be true or false; got ${JSON.stringify(v)}`, key);
  return v;
}

/** OpenAI content: a string, or an array of {type:'text', text} parts (joined). */
function content(v: unknown, i: number, role: string): string {
  if (typeof v === 'string') return v;
  if (v === null && role === 'assistant') return '';
  if (Array.isArray(v)) {
    return v.map((part: unknown, j) => {
      const p = (part ?? {}) as Json;
      if (p.type === 'text' && typeof p.text === 'string') return p.text;
      throw badRequest(`messages[${i}].content[${j}] must be a {type: 'text', text} part: this service runs text-only models`, `messages[${i}].content`);
    }).join('');
  }
  throw badRequest(`messages[${i}].content must be a string (or an array of text parts); got ${kind(v)}`, `messages[${i}].content`);
}

function messages(v: unknown): ChatMessage[] {
  if (v === undefined) throw badRequest('messages is required: an array of {role, content}', 'messages');
  if (!Array.isArray(v) || v.length === 0) throw badRequest(`messages must be a non-empty array of {role, content}; got ${Array.isArray(v) ? 'an empty array' : kind(v)}`, 'messages');
  return v.map((m: unknown, i) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw badRequest(`messages[${i}] must be an object {role, content}; got ${kind(m)}`, `messages[${i}]`);
    const { role } = m as Json;
    if (typeof role !== 'string' || !ROLES.includes(role)) {
      throw badRequest(`messages[${i}].role is ${JSON.stringify(role)}: use one of ${ROLES.join(', ')}`, `messages[${i}].role`);
    }
    // OpenAI's newer 'developer' role is the system prompt under another name.
    const r = (role === 'developer' ? 'system' : role) as ChatMessage['role'];
    return { role: r, content: content((m as Json).content, i, role) };
  });
}

function stop(v: unknown): string[] | undefined {
  if (!given(v)) return undefined;
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length > MAX_STOP || list.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw badRequest(`stop must be a non-empty string or an array of up to ${MAX_STOP} non-empty strings`, 'stop');
  }
  return list.length ? list as string[] : undefined;
}

/** Validates a parsed JSON body; throws ServiceError (400) naming the field at fault. */
export function parseChatRequest(body: unknown): ChatCall {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`the request body must be a JSON object; got ${kind(body)}`);
  }
  const b = body as Json;
  if (typeof b.model !== 'string' || b.model.trim() === '') {
    throw badRequest(b.model === undefined ? 'model is required: the id or alias of a model (see GET /v1/models)' : `model must be a non-empty string; got ${kind(b.model)}`, 'model');
  }
  const msgs = messages(b.messages);

  const n = integer(b, 'n', 1);
  if (n !== undefined && n !== 1) throw badRequest('n must be 1: this service returns one choice per request', 'n');
  if (Array.isArray(b.tools) && b.tools.length > 0) throw badRequest('tools are not supported by this service yet: send the request without tools', 'tools');
  const rf = b.response_format as Json | undefined | null;
  if (given(rf) && (typeof rf !== 'object' || rf!.type !== 'text')) {
    throw badRequest('response_format must be {type: "text"}: JSON and schema-constrained output are not supported yet', 'response_format');
  }
  if (b.logprobs === true) throw badRequest('logprobs are not supported by this service: leave logprobs unset', 'logprobs');

  const stream = boolean(b, 'stream') ?? false;
  let includeUsage = false;
  let continuousUsage = false;
  if (given(b.stream_options)) {
    const so = b.stream_options;
    if (typeof so !== 'object' || Array.isArray(so)) throw badRequest(`stream_options must be an object like {include_usage: true}; got ${kind(so)}`, 'stream_options');
    const iu = (so as Json).include_usage;
    if (given(iu) && typeof iu !== 'boolean') throw badRequest('stream_options.include_usage must be true or false', 'stream_options.include_usage');
    includeUsage = iu === true;
    const cu = (so as Json).continuous_usage_stats;
    if (given(cu) && typeof cu !== 'boolean') throw badRequest('stream_options.continuous_usage_stats must be true or false', 'stream_options.continuous_usage_stats');
    continuousUsage = cu === true;
  }

  const maxTokens = integer(b, 'max_completion_tokens', 1) ?? integer(b, 'max_tokens', 1);
  const temperature = number(b, 'temperature');
  const topP = number(b, 'top_p');
  const topK = integer(b, 'top_k', 0);
  const seed = given(b.seed) ? integer(b, 'seed', Number.MIN_SAFE_INTEGER) : integer(b, 'random_seed', Number.MIN_SAFE_INTEGER);
  // The engine's own checks give the ranges (temperature in [0, 2], top_p in (0, 1]).
  try {
    validateSampling({ temperature, topP, topK, seed });
  } catch (e) {
    if (e instanceof InvalidRequestError) throw badRequest(e.message, e.param ?? null);
    throw e;
  }

  let ep: ProviderName | undefined;
  if (given(b.ep)) {
    if (typeof b.ep !== 'string') throw badRequest(`ep must be a string such as "cpu", "cuda" or "webgpu"; got ${kind(b.ep)}`, 'ep');
    try {
      ep = parseProvider(b.ep);
    } catch (e) {
      throw badRequest((e as Error).message, 'ep', 'unknown_provider');
    }
  }
  const ttl = integer(b, 'ttl', 0);

  const request: GenerateRequest = { messages: msgs };
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  if (temperature !== undefined) request.temperature = temperature;
  if (topP !== undefined) request.topP = topP;
  if (topK !== undefined) request.topK = topK;
  if (seed !== undefined) request.seed = seed;
  const stops = stop(b.stop);
  if (stops) request.stop = stops;

  // issue 23: `engine` ("onnxruntime" | "llama.cpp") is the same as the model id suffix @llama.cpp
  let model = b.model;
  if (given(b.engine)) {
    if (typeof b.engine !== 'string') throw badRequest(`engine must be "onnxruntime" or "llama.cpp"; got ${kind(b.engine)}`, 'engine');
    try { model = withEngine(b.model, b.engine); } catch (e) { throw badRequest((e as Error).message, 'engine'); }
  }
  const call: ChatCall = { model, request, stream, includeUsage, continuousUsage };
  if (ep) call.ep = ep;
  if (ttl !== undefined) call.ttl = ttl;
  return call;
}
