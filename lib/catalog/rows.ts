/**
 * Plain records for `slmlab model list` and `slmlab model info`: what a printer, a JSON
 * exporter or a notebook table needs, with no formatting (that is format.ts).
 */
import type { ProviderName } from '../engine/providers';
import type { FoundryPromptTemplate } from '../engine/chat-template';
import type { CatalogFile, CatalogModel, CatalogVariant, Device, VariantSource } from './types';
import { filterModels, type ModelFilter } from './filter';

/** One variant in `model list`, in catalog order. */
export interface ModelListRow {
  alias: string;
  /** True on the first row of an alias's group (where `foundry model list` prints the alias). */
  first: boolean;
  device: Device;
  provider: ProviderName;
  precision: string;
  task: string;
  /** Download or build size in bytes; null when unknown. */
  size: number | null;
  license: string;
  variantId: string;
  synthetic: boolean;
  /** For synthetic twins: the alias of the real model. */
  twinOf: string | null;
  /** True when the variant is in the local cache (its id is in `cachedIds`). */
  cached: boolean;
  /** Why the variant is never selected (its own reason or its model's), else null. */
  unavailable: string | null;
}

/**
 * Rows for every variant that passes `filter`, grouped by model in catalog order.
 * `cachedIds` holds the variant ids found in the cache (any case, with ':version').
 */
export function listRows(catalog: CatalogFile, opts: { filter?: string | ModelFilter | null; cachedIds?: ReadonlySet<string> } = {}): ModelListRow[] {
  const cached = new Set([...(opts.cachedIds ?? [])].map((id) => id.toLowerCase()));
  const rows: ModelListRow[] = [];
  for (const model of filterModels(catalog, opts.filter)) {
    model.variants.forEach((v, i) => {
      rows.push({
        alias: model.alias, first: i === 0, device: v.device, provider: v.provider, precision: v.precision,
        task: model.task, size: v.sizeBytes, license: model.license, variantId: v.id,
        synthetic: model.synthetic, twinOf: model.twinOf ?? null, cached: cached.has(v.id.toLowerCase()),
        unavailable: v.unavailable ?? model.unavailable ?? null,
      });
    });
  }
  return rows;
}

export interface VariantInfo {
  id: string;
  device: Device;
  provider: ProviderName;
  precision: string;
  version: number;
  size: number | null;
  /** Where it comes from, in one line: 'huggingface owner/repo@rev sub/folder [include...]'. */
  source: string;
  sourceKind: VariantSource['kind'];
  unverified: string[];
  evidence: string[];
  unavailable: string | null;
}

/** Everything `slmlab model info <alias>` shows. */
export interface ModelInfo {
  alias: string;
  displayName: string;
  family: string;
  publisher: string;
  parameters: number;
  contextLength: number;
  license: string;
  licenseUrl: string | null;
  task: string;
  supportsToolCalling: boolean;
  synthetic: boolean;
  twinOf: string | null;
  description: string | null;
  promptTemplate: FoundryPromptTemplate | null;
  unavailable: string | null;
  variants: VariantInfo[];
}

export function modelInfo(model: CatalogModel): ModelInfo {
  return {
    alias: model.alias,
    displayName: model.displayName,
    family: model.family,
    publisher: model.publisher,
    parameters: model.parameters,
    contextLength: model.contextLength,
    license: model.license,
    licenseUrl: model.licenseUrl ?? null,
    task: model.task,
    supportsToolCalling: model.supportsToolCalling ?? false,
    synthetic: model.synthetic,
    twinOf: model.twinOf ?? null,
    description: model.description ?? null,
    promptTemplate: model.promptTemplate ?? null,
    unavailable: model.unavailable ?? null,
    variants: model.variants.map((v) => variantInfo(model, v)),
  };
}

function variantInfo(model: CatalogModel, v: CatalogVariant): VariantInfo {
  return {
    id: v.id, device: v.device, provider: v.provider, precision: v.precision, version: v.version,
    size: v.sizeBytes, source: describeSource(v.source), sourceKind: v.source.kind, unverified: v.unverified ?? [],
    evidence: v.evidence ?? [], unavailable: v.unavailable ?? model.unavailable ?? null,
  };
}

/** One line saying where a variant comes from. */
export function describeSource(s: VariantSource): string {
  switch (s.kind) {
    case 'huggingface': {
      const folder = s.subfolder ? ` ${s.subfolder}/` : '';
      return `huggingface ${s.repo}@${s.revision}${folder} [${s.include.join(', ')}]` + (s.onnxFile ? ` onnx/${s.onnxFile}` : '') +
        (s.tokenizerSource ? `; tokenizer from ${s.tokenizerSource.repo}@${s.tokenizerSource.revision} (${s.tokenizerSource.reason})` : '');
    }
    case 'url':
      return `url ${s.files.length} file${s.files.length === 1 ? '' : 's'}: ${s.files.map((f) => f.path).join(', ')}`;
    case 'synthetic':
      return `synthetic ${s.shape} ${s.precision}` + (s.precision === 'int4' ? ` block ${s.blockSize ?? 32}` : '') + ` seed ${s.seed ?? 0} (built offline by \`slmlab model build\`)`;
  }
}
