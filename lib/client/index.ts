/** The client room: find an endpoint, make timed streamed calls through the openai package, get plain records. */
export { findEndpoint, PLACEHOLDER_API_KEY, type Endpoint, type EndpointKind, type FindEndpointOptions } from './find-endpoint';
export { normalizeBaseURL } from './base-url';
export { foundryServiceStatus, findFoundryBinary, parseFoundryStatus, type FoundryStatus } from './foundry-status';
export { timedChat, type TimedChatRequest, type TimedChatOptions } from './timed-chat';
export type { TimedCall, SlmlabTimings, TokenSource, ChunkTokenSource } from './timed-call';
export { measureStream, type StreamObservation, type ObservedChunk, type StreamMetrics, type MeasureOptions } from './stream-metrics';
export { chunkTokenCounts, itlFromChunks, type CountingTokenizer, type TextChunk } from './chunk-tokens';
export { parseSlmlabExtension } from './slmlab-extension';
export { EndpointError } from './errors';
