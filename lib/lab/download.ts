/**
 * download(): get a model into the cache with a progress bar that updates in place.
 * A synthetic twin is built here (offline); the result says what the same call would fetch on
 * a connected machine for the real model it stands in for (`twinOf`), so the lesson shows both.
 *
 *   const d = await download('qwen2.5-0.5b-twin');   d.dir, d.downloaded, d.realModel
 */
import { findModel, loadCatalog, selectVariant, describeSource, formatBytes } from '../catalog';
import { cachedFolderFor, ensureVariant } from '../cache';
import { probeProviders, type ProviderName } from '../engine/providers';
import { progress } from './progress';

export interface DownloadResult {
  alias: string;
  variantId: string;
  dir: string;
  /** false: it was already in the cache. */
  downloaded: boolean;
  synthetic: boolean;
  seconds: number;
  /** For a twin: what a connected machine downloads for the real model (variant, size, source). */
  realModel: { alias: string; variantId: string; size: string; source: string; command: string } | null;
}

export async function download(alias: string, options: { provider?: ProviderName } = {}): Promise<DownloadResult> {
  const catalog = loadCatalog();
  const model = findModel(catalog, alias);
  const usable = await probeProviders();
  const ep = options.provider ?? 'cpu';
  const variant = selectVariant(model, { usable, ep });
  const verb = cachedFolderFor(variant) !== null ? 'checking the cache for' : model.synthetic ? 'building' : 'downloading';
  const bar = progress(`${verb} ${variant.id}`, { unit: 'bytes' });
  const t0 = Date.now();
  const r = await ensureVariant(variant, { onProgress: (p) => bar.update(p.bytes, p.total ?? variant.sizeBytes ?? null, p.file) });
  const seconds = (Date.now() - t0) / 1000;
  bar.done(r.downloaded ? `${model.synthetic ? 'built' : 'downloaded'} in ${seconds.toFixed(1)} s → ${r.dir}` : `already in the cache: ${r.dir}`);
  let realModel: DownloadResult['realModel'] = null;
  if (model.synthetic && model.twinOf) {
    const real = findModel(catalog, model.twinOf);
    const rv = selectVariant(real, { usable, ep });
    const source = rv.source.kind === 'huggingface' ? `huggingface.co/${rv.source.repo}` : describeSource(rv.source);
    realModel = { alias: real.alias, variantId: rv.id, size: formatBytes(rv.sizeBytes ?? null), source, command: `slmlab model download ${real.alias}` };
  }
  return { alias: model.alias, variantId: variant.id, dir: r.dir, downloaded: r.downloaded, synthetic: model.synthetic === true, seconds, realModel };
}
