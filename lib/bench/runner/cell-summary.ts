/**
 * The `{type:'cell'}` line of a finished cell (store/cell-record.ts): counts by outcome over
 * its measured requests, determinism at temperature 0, identity, the memory of the processes
 * that served it and the machine's load while it ran. The only
 * place cell lines are made; statistics are analysis' job.
 */
import type { Cell } from '../grid/expand';
import { isMeasured, type CellSummaryRecord, type RequestRecord } from '../store';

export function summarizeCell(cell: Cell, records: readonly RequestRecord[], extra: Pick<CellSummaryRecord, 'runId' | 'modelId' | 'modelFileHash' | 'peakRssBytes' | 'memory' | 'load'>): CellSummaryRecord {
  const measured = records.filter(isMeasured);
  const ok = measured.filter((r) => r.status === 'ok');
  const hashes = new Set(ok.map((r) => r.outputSha256));
  return {
    type: 'cell', runId: extra.runId, gridHash: cell.gridHash, cellId: cell.cellId, endpoint: cell.endpoint, model: cell.model,
    modelId: extra.modelId ?? ok.find((r) => r.modelId)?.modelId ?? null, modelFileHash: extra.modelFileHash,
    provider: cell.provider, ...(cell.engine !== 'onnxruntime' ? { engine: cell.engine } : {}), precision: cell.precision, promptSetId: cell.promptSetId, promptId: cell.promptId, temperature: cell.temperature,
    rounds: {
      ok: ok.length,
      error: measured.filter((r) => r.status === 'error').length,
      skipped: measured.filter((r) => r.status === 'skipped').length,
    },
    deterministic: cell.temperature === 0 && ok.length > 0 ? hashes.size === 1 : null,
    distinctOutputs: hashes.size,
    peakRssBytes: extra.peakRssBytes,
    ...(extra.memory ? { memory: extra.memory } : {}),
    ...(extra.load ? { load: extra.load } : {}),
    finishedAt: new Date().toISOString(),
  };
}
