/** Downloads: one entry point (ensureVariant) and the pieces it is made of. */
export { ensureVariant, type EnsureOptions, type EnsureResult } from './ensure';
export { type DownloadProgress, type DownloadPhase, type ProgressCallback } from './progress';
export { DEFAULT_RETRY, backoffMs, retryPolicy, type RetryPolicy } from './retry';
export { globToRegExp, matchesAny } from './glob';
export { fetchHubListing, hubEndpoint, hubToken, hubFileUrl, DEFAULT_HF_ENDPOINT, type HubListing, type HubSibling } from './hub-api';
export { planHuggingFace, planUrl, type DownloadPlan } from './plan';
export { fetchFile, type RemoteFile, type FetchOptions } from './fetch-file';
export { gitBlobSha1 } from './checksum';
export { ensureFreeSpace, freeBytes, formatBytes } from './disk-space';
