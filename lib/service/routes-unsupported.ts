/**
 * Routes Foundry Local serves that slmlab cannot serve, answered with a clear OpenAI-shaped 400
 * (not a 404, which reads as a wrong URL; not a 5xx, which clients retry):
 *
 *   POST /v1/audio/transcriptions   slmlab runs text models only (Foundry serves Whisper here)
 */
import type { Handler } from './context';
import { ServiceError } from './errors';

export const audioTranscriptions: Handler = () => {
  // The multipart body is read and discarded by the server before this answer leaves (server.ts).
  throw new ServiceError(400, 'unsupported_endpoint', 'audio transcription is not supported by slmlab: it runs text models only ' +
    '(use Foundry Local with a Whisper model for /v1/audio/transcriptions)', null);
};
