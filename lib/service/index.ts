/** The service room's public surface: start a service (no pages: lib/app adds them), plug in a registry. */
export { startService, type ServiceOptions, type ServiceHandle } from './server';
export { FolderRegistry, type FolderModelSpec, type FolderRegistryOptions, type SyntheticSpec } from './folder-registry';
export { deviceOf, type ModelRegistry, type RegistryEntry, type ResolvedModel, type RegistryDownloadProgress } from '../registry/model-registry';
export { ModelManager, type LoadedRecord, type ServedRequest, type Lease } from './model-manager';
export { jsonLogger, silentLogger, type ServiceLogger } from './context';
export { ServiceError, toErrorResponse, type OpenAIErrorBody } from './errors';
export { parseChatRequest, type ChatCall } from './validation';
export { PreparingRegistry, Preparations, notReadyYet, type PreparationRecord, type PreparationNeed, type PreparationOptions, type PreparableRegistry } from './preparation';
