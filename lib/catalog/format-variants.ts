/**
 * `model list --variants`: Foundry Local CLI 0.10's variant table (columns `Model Name |
 * Variant | Type | Device | Execution Provider | Size | Cached`, github.com/microsoft/
 * Foundry-Local issue 995), one row per variant. Type is the precision slmlab knows (int4,
 * fp16, fp32…), marked `synthetic` for twins; the provider is named as ONNX Runtime names it.
 */
import { textTable } from '../util/text-table';
import { formatBytes } from '../util/format-bytes';
import type { ProviderName } from '../engine/providers';
import type { ModelListRow } from './rows';

export const VARIANTS_HEADER = ['Model Name', 'Variant', 'Type', 'Device', 'Execution Provider', 'Size', 'Cached'] as const;

const EP_CLASS: Record<ProviderName, string> = { cpu: 'CPUExecutionProvider', cuda: 'CUDAExecutionProvider', webgpu: 'WebGpuExecutionProvider' };

export function formatVariantList(rows: ModelListRow[]): string {
  if (rows.length === 0) return 'No models match. Run `slmlab model list --variants` without --filter to see them all.\n';
  const body = rows.map((r) => [
    r.alias,
    r.variantId + (r.unavailable !== null ? ' (unavailable)' : ''),
    r.synthetic ? `${r.precision} synthetic` : r.precision,
    r.device,
    EP_CLASS[r.provider],
    formatBytes(r.size),
    r.cached ? 'yes' : 'no',
  ]);
  return textTable(VARIANTS_HEADER, body) + '\n\nsynthetic = built offline by slmlab (the real architecture and size, random weights). ' +
    'Run a variant by its id: `slmlab model run <variant>`.\n';
}
