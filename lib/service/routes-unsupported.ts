/**
 * Routes Foundry Local serves that slmlab cannot serve yet, answered with a clear OpenAI-shaped
 * 400 (not a 404, which reads as a wrong URL; not a 5xx, which clients retry):
 *
 *   POST /v1/embeddings             slmlab's models are chat (decoder) models; no embedding model is served yet
 *   POST /v1/audio/transcriptions   slmlab runs text models only (Foundry serves Whisper here)
 */
import type { Handler } from './context';
import { ServiceError } from './errors';
import { readJson } from './http';
import { isKnownModel } from './routes-foundry-core';

export const embeddings: Handler = async (ctx, req) => {
  const body = await readJson(req, ctx.maxBodyBytes);
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.model !== 'string' || !b.model.trim()) throw new ServiceError(400, 'invalid_request', 'model is required: the id of an embedding model', 'model');
  const input = b.input;
  const ok = (typeof input === 'string' && input.length > 0) || (Array.isArray(input) && input.length > 0);
  if (!ok) throw new ServiceError(400, 'invalid_request', 'input must be a non-empty string or a non-empty array', 'input');
  if (!(await isKnownModel(ctx, b.model))) {
    throw new ServiceError(404, 'model_not_found', `no model matching '${b.model}': see GET /v1/models`, 'model');
  }
  throw new ServiceError(400, 'model_not_embedding', `model '${b.model}' is a chat model, not an embedding model: /v1/embeddings needs an embedding model, ` +
    'and slmlab serves none yet (use /v1/chat/completions with this model, or a Foundry Local embedding model)', 'model');
};

export const audioTranscriptions: Handler = () => {
  // The multipart body is read and discarded by the server before this answer leaves (server.ts).
  throw new ServiceError(400, 'unsupported_endpoint', 'audio transcription is not supported by slmlab: it runs text models only ' +
    '(use Foundry Local with a Whisper model for /v1/audio/transcriptions)', null);
};
