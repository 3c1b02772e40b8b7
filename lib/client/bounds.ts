/** The bounds on every call a client makes (issue 21): timed-chat.ts and service-client.ts read them. */

/** Without timeoutMs, the whole call is still bounded: 30 minutes (a slow endless stream must not hang a run for ever). */
export const DEFAULT_TOTAL_TIMEOUT_MS = 30 * 60_000;

/** 8 MiB: a few thousand tokens streamed as SSE chunks are well under 2 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
