/**
 * POST /v1/embeddings (https://platform.openai.com/docs/api-reference/embeddings/create) for
 * embedding models: encoder folders such as the all-MiniLM-L6-v2 twin (lib/synth/encoder.ts).
 * A chat model gets a clear 400 (Foundry Local's Core answers its own error for those too,
 * sdk_v2/cpp/src/service/embeddings_handler.cc). encoding_format 'base64' (what the openai
 * client asks for by default) is little-endian float32, base64-encoded.
 */
import { isEmbeddingFolder } from '../engine/embedder';
import type { Handler } from './context';
import { badRequest, ServiceError } from './errors';
import { readJson, sendJson } from './http';

const notEmbedding = (model: string) => new ServiceError(400, 'model_not_embedding',
  `model '${model}' is a chat model, not an embedding model: /v1/embeddings needs an embedding model (e.g. an all-MiniLM-L6-v2 folder); ` +
  'use /v1/chat/completions or /v1/responses with this one', 'model');

function texts(input: unknown): string[] {
  const list = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(list) || list.length === 0) throw badRequest('input must be a non-empty string or a non-empty array of strings', 'input');
  if (list.some((t) => typeof t !== 'string')) throw badRequest('input must be text: token-id arrays are not accepted here, send the strings', 'input');
  if (list.length > 2048) throw badRequest(`input has ${list.length} texts: send at most 2048 per request`, 'input');
  return list as string[];
}

export const embeddings: Handler = async (ctx, req, res) => {
  const body = await readJson(req, ctx.maxBodyBytes);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a JSON object {model, input}');
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || !b.model.trim()) throw badRequest('model is required: the id of an embedding model (see GET /v1/models)', 'model');
  const inputs = texts(b.input);
  const format = b.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') throw badRequest(`encoding_format must be float or base64; got ${JSON.stringify(format)}`, 'encoding_format');

  // Known but not on disk: a catalog model, and the catalog's models are chat models. Answered
  // before resolve(), which would start downloading it.
  const lower = b.model.toLowerCase();
  const entry = (await ctx.registry.list()).find((e) => e.id.toLowerCase() === lower || e.alias?.toLowerCase() === lower);
  if (entry && !entry.cached) throw notEmbedding(b.model);
  const dir = (await ctx.registry.resolve(b.model)).dir;
  if (!isEmbeddingFolder(dir)) throw notEmbedding(b.model);
  const embedder = await ctx.embedders.get(dir);
  const { vectors, tokens } = await embedder.embed(inputs);
  if (b.dimensions !== undefined && b.dimensions !== null && b.dimensions !== vectors[0].length) {
    throw badRequest(`dimensions must be ${vectors[0].length} (this model's size) or left out: shortened embeddings are not supported`, 'dimensions');
  }
  const encode = (v: number[]) => format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
  sendJson(res, 200, {
    object: 'list',
    data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: encode(v) })),
    model: b.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
};
