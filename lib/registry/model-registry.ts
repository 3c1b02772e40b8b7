/**
 * What the service needs to know about models, and nothing more: which names exist, where a
 * cached model's folder is, and how to fetch one. The service never reads the catalog or the
 * cache itself; it talks to a ModelRegistry. FolderRegistry (lib/service/folder-registry.ts) is the
 * bring-your-own-folders implementation; the catalog + cache one lives with those rooms.
 */
import type { ProviderName } from '../engine/providers';

export interface RegistryEntry {
  /** Unique, Foundry-style id, e.g. 'qwen2.5-0.5b-instruct-cpu-int4:1'; what /v1/models lists. */
  id: string;
  /** Short name that picks this variant (several variants may share one alias). */
  alias?: string;
  displayName?: string;
  /** True when the files are on disk and the model can be loaded without a download. */
  cached: boolean;
  /** slmlab synthetic models (seeded random weights: real speed, meaningless text). */
  synthetic: boolean;
  /** The execution provider this variant is meant for. */
  provider: ProviderName;
  device: 'CPU' | 'GPU';
  sizeBytes?: number | null;
  license?: string;
  task?: string;
  contextLength?: number;
  promptTemplate?: unknown;
}

export interface ResolvedModel {
  id: string;
  /** Absolute folder of a cached model, ready for loadModel(). */
  dir: string;
  provider: ProviderName;
  synthetic: boolean;
}

export interface RegistryDownloadProgress {
  /** 0..1 of the whole download. */
  fraction: number;
  /** The file being fetched (or built) now. */
  file: string;
}

export interface ModelRegistry {
  /** Everything nameable: catalog variants and cached or custom models. */
  list(): Promise<RegistryEntry[]>;
  /**
   * A CACHED model's folder, by id or alias; `ep` asks for that execution provider.
   * Throws ModelNotFoundError (404) when the name is unknown or not downloaded, with a
   * message naming the fix (run `slmlab model download <name>`).
   */
  resolve(name: string, ep?: ProviderName): Promise<ResolvedModel>;
  /** Downloads (or builds) a model into the cache; resolves when the folder is complete. */
  download(name: string, opts: { onProgress?: (p: RegistryDownloadProgress) => void; signal?: AbortSignal }): Promise<{ id: string; dir: string }>;
  /** Optional: the folder models live in, reported by GET /openai/status as ModelDirPath. */
  readonly modelDirPath?: string;
}

/** 'CPU' for the cpu provider, 'GPU' for the others. */
export function deviceOf(provider: ProviderName): 'CPU' | 'GPU' {
  return provider === 'cpu' ? 'CPU' : 'GPU';
}

/** What a registry says about a name whose files are not there yet. */
export interface PreparationNeed {
  /** The variant id that will be fetched. */
  id: string;
  kind: 'download' | 'build';
  sizeBytes: number | null;
}

/** A registry that can tell, cheaply, that a name needs a download or a build first. */
export interface PreparableRegistry extends ModelRegistry {
  needsPreparation?(name: string, ep?: ProviderName): Promise<PreparationNeed | null>;
}
