/**
 * A ModelRegistry over model folders named by the user (bring your own), optionally plus every
 * model folder found under a root directory (e.g. <cache>/synthetic). A folder entry may carry a
 * synthetic spec: download() then builds it with synth/'s buildModel, which is how tests and
 * offline machines get a "downloadable" model without a network.
 *
 *   const reg = new FolderRegistry({ 'tiny-cpu:1': { dir: '/tmp/tiny', alias: 'tiny', synthetic: { shape: 'tiny' } } });
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelNotFoundError, SlmlabError } from '../errors';
import { inspectModelFolder, type ModelFolder } from '../engine/model-folder';
import type { ProviderName } from '../engine/providers';
import type { Precision } from '../synth/write-model';
import { buildModel } from '../cache/build-model';
import { deviceOf, type RegistryDownloadProgress, type ModelRegistry, type RegistryEntry, type ResolvedModel } from '../registry/model-registry';

export interface SyntheticSpec {
  shape: string;
  precision?: Precision;
  blockSize?: number;
  seed?: number;
  accuracyLevel?: number;
}

export interface FolderModelSpec {
  dir: string;
  alias?: string;
  displayName?: string;
  /** The provider used when a request names none (default cpu). Any provider can be asked for. */
  provider?: ProviderName;
  /** When set, download() builds this synthetic model into `dir`. */
  synthetic?: SyntheticSpec;
  license?: string;
  task?: string;
}

export interface FolderRegistryOptions {
  /** Also serve every model folder directly under these directories, named after the folder. */
  scan?: string[];
  /** Reported by GET /openai/status (default: the first scanned directory). */
  modelDirPath?: string;
}

interface Named { id: string; spec: FolderModelSpec }

export class FolderRegistry implements ModelRegistry {
  private readonly explicit: Named[];
  readonly modelDirPath?: string;

  constructor(models: Record<string, string | FolderModelSpec> = {}, private readonly options: FolderRegistryOptions = {}) {
    this.explicit = Object.entries(models).map(([id, s]) => {
      const spec = typeof s === 'string' ? { dir: s } : { ...s };
      return { id, spec: { ...spec, dir: path.resolve(spec.dir) } };
    });
    this.modelDirPath = options.modelDirPath ?? options.scan?.[0];
  }

  async list(): Promise<RegistryEntry[]> {
    return this.all().map(({ id, spec }) => {
      const folder = tryInspect(spec.dir);
      const provider = spec.provider ?? 'cpu';
      const entry: RegistryEntry = {
        id, cached: folder !== null, synthetic: isSynthetic(spec, folder), provider, device: deviceOf(provider),
        sizeBytes: folder ? folderBytes(spec.dir) : null, task: spec.task ?? 'chat-completion',
      };
      if (spec.alias) entry.alias = spec.alias;
      entry.displayName = spec.displayName ?? folder?.name ?? id;
      if (spec.license) entry.license = spec.license;
      if (folder) entry.contextLength = folder.contextLength;
      return entry;
    });
  }

  async resolve(name: string, ep?: ProviderName): Promise<ResolvedModel> {
    const hit = this.find(name, ep);
    const folder = tryInspect(hit.spec.dir);
    if (!folder) {
      if (hit.spec.synthetic) throw new ModelNotFoundError(`model '${name}' is not downloaded: run \`slmlab model download ${name}\``);
      throw new ModelNotFoundError(`model '${name}' has no model files in '${hit.spec.dir}': put the model there (genai_config.json + model.onnx) or run \`slmlab model download ${name}\``);
    }
    return { id: hit.id, dir: hit.spec.dir, provider: ep ?? hit.spec.provider ?? 'cpu', synthetic: isSynthetic(hit.spec, folder) };
  }

  async download(name: string, opts: { onProgress?: (p: RegistryDownloadProgress) => void; signal?: AbortSignal } = {}): Promise<{ id: string; dir: string }> {
    const hit = this.find(name);
    const { dir, synthetic } = hit.spec;
    if (tryInspect(dir)) {
      opts.onProgress?.({ fraction: 1, file: '' });
      return { id: hit.id, dir };
    }
    if (!synthetic) {
      throw new ModelNotFoundError(`model '${name}' is a bring-your-own folder and cannot be downloaded: put its files in '${dir}' (genai_config.json + model.onnx)`);
    }
    if (opts.signal?.aborted) throw new SlmlabError('aborted', 'download cancelled by the caller', 499);
    const report = await buildModel({
      shape: synthetic.shape, precision: synthetic.precision ?? 'int4', blockSize: synthetic.blockSize, seed: synthetic.seed,
      accuracyLevel: synthetic.accuracyLevel, out: dir,
      onProgress: (p) => opts.onProgress?.({ fraction: p.totalBytes > 0 ? Math.min(p.doneBytes / p.totalBytes, 1) : 0, file: 'model.onnx_data' }),
    });
    opts.onProgress?.({ fraction: 1, file: '' });
    return { id: hit.id, dir: report.dir };
  }

  // ---- lookup ------------------------------------------------------------------------------

  /** Explicit entries first, then scanned folders (re-read each time, so new builds appear). */
  private all(): Named[] {
    const out = [...this.explicit];
    const seen = new Set(out.map((n) => n.id));
    for (const root of this.options.scan ?? []) {
      let names: string[];
      try {
        names = fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.includes('.partial-')).map((d) => d.name).sort();
      } catch {
        continue; // the directory does not exist (yet)
      }
      for (const name of names) {
        if (seen.has(name)) continue;
        const dir = path.join(root, name);
        if (!tryInspect(dir)) continue;
        seen.add(name);
        out.push({ id: name, spec: { dir } });
      }
    }
    return out;
  }

  /** By id, then alias; exact first, then case-insensitively. Among alias matches: cached, then the asked provider. */
  private find(name: string, ep?: ProviderName): Named {
    const all = this.all();
    const lower = name.toLowerCase();
    const tiers: ((n: Named) => boolean)[] = [
      (n) => n.id === name, (n) => n.id.toLowerCase() === lower,
      (n) => n.spec.alias === name, (n) => n.spec.alias?.toLowerCase() === lower,
    ];
    for (const match of tiers) {
      const hits = all.filter(match);
      if (!hits.length) continue;
      const rank = (n: Named) => (tryInspect(n.spec.dir) ? 0 : 2) + (ep && (n.spec.provider ?? 'cpu') !== ep ? 1 : 0);
      return hits.sort((a, b) => rank(a) - rank(b))[0];
    }
    const known = all.map((n) => n.id);
    throw new ModelNotFoundError(`model '${name}' is not known to this service` +
      (known.length ? ` (it serves: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''})` : '') +
      `: run \`slmlab model list\` to see the names, then \`slmlab model download <name>\``);
  }
}

function tryInspect(dir: string): ModelFolder | null {
  try {
    return inspectModelFolder(dir);
  } catch {
    return null;
  }
}

function isSynthetic(spec: FolderModelSpec, folder: ModelFolder | null): boolean {
  return folder ? folder.synthetic !== null : spec.synthetic !== undefined;
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) total += folderBytes(p);
    else if (d.isFile()) total += fs.statSync(p).size;
  }
  return total;
}
