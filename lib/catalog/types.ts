/**
 * Catalog records: which models exist and where each variant comes from. Plain JSON, the
 * shape of data/catalog.json (validated by catalog/schema.ts). A model has an alias
 * ("qwen2.5-0.5b") and variants, one per device / execution provider / precision; a
 * variant has a globally unique id ("qwen2.5-0.5b-instruct-cpu-int4:1") and a source.
 */
import type { ProviderName } from '../engine/providers';
import type { FoundryPromptTemplate } from '../engine/chat-template';

export type Device = 'CPU' | 'GPU';

/** Files from a Hugging Face model repository. */
export interface HuggingFaceSource {
  kind: 'huggingface';
  repo: string;
  /** A branch, tag or commit; commits make downloads reproducible. */
  revision: string;
  /** Folder inside the repo that holds the model ('' for the root), e.g. 'cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4'. */
  subfolder: string;
  /** Glob patterns (relative to subfolder) of the files to fetch, e.g. ['*.json', 'onnx/model_q4.onnx*']. */
  include: string[];
  /** For Optimum folders with several .onnx files: which one the engine loads. */
  onnxFile?: string;
  /**
   * Where the tokenizer files come from when the repo's own are known to be broken: fetched
   * after the model's files, into the same folder, replacing files of the same name.
   */
  tokenizerSource?: TokenizerSource;
}

/** Tokenizer files from another Hugging Face repo (e.g. onnx-community's copy of a model's tokenizer). */
export interface TokenizerSource {
  repo: string;
  revision: string;
  subfolder: string;
  /** Glob patterns relative to subfolder, e.g. ['tokenizer.json', 'tokenizer_config.json']. */
  include: string[];
  /** Why the model repo's own tokenizer files are not used. */
  reason: string;
}

/** Files at plain URLs (any HTTP server). */
export interface UrlSource {
  kind: 'url';
  files: { url: string; path: string; sha256?: string; size?: number }[];
}

/** Built offline by synth/ (real architecture and size, seeded random weights). */
export interface SyntheticSource {
  kind: 'synthetic';
  shape: string;
  precision: 'fp32' | 'fp16' | 'int8' | 'int4';
  blockSize?: number;
  seed?: number;
}

export type VariantSource = HuggingFaceSource | UrlSource | SyntheticSource;

export interface CatalogVariant {
  /** Globally unique, Foundry-style: '<name>-<device/provider>-<precision>:<version>'. */
  id: string;
  device: Device;
  provider: ProviderName;
  precision: string;
  version: number;
  /** Download (or build) size in bytes, when known. */
  sizeBytes: number | null;
  source: VariantSource;
  /** What could not be confirmed offline about this entry (repo layout, file names, size). */
  unverified?: string[];
  /** Public pages that show this variant's files (Hugging Face tree listings, model cards, builder source). */
  evidence?: string[];
  /** Set when the variant must not be chosen (no listing of its files was ever seen): why. */
  unavailable?: string;
}

export interface CatalogModel {
  alias: string;
  /** Other names that resolve to this model, such as the workshop's spelling 'mistral-7b' (unique like aliases). */
  aliases?: string[];
  displayName: string;
  family: string;
  publisher: string;
  /** Parameter count, e.g. 494_000_000. */
  parameters: number;
  contextLength: number;
  license: string;
  licenseUrl?: string;
  task: 'chat-completion';
  promptTemplate?: FoundryPromptTemplate | null;
  supportsToolCalling?: boolean;
  /** True for slmlab's synthetic twins and test models: their text is meaningless. */
  synthetic: boolean;
  /** For twins: the alias of the real model they mirror. */
  twinOf?: string;
  description?: string;
  /** Set when no variant of this model can be fetched (e.g. its repository was never seen): why. Listed, never selected. */
  unavailable?: string;
  variants: CatalogVariant[];
}

export interface CatalogFile {
  $schema?: string;
  version: 1;
  models: CatalogModel[];
}
