/**
 * The results store: every line type of results.jsonl (request, run, cell), appended as
 * they arrive, read back whole and typed, and resumed from without losing or repeating work.
 *
 *   const { requests, runs, cells } = readResults(file);
 *   for (const req of resumePlan(schedule(cells), records)) await appendRecord(file, await run(req));
 */
export {
  type RequestRecord, type RecordStatus, type TokenSource, type FieldSpec, type FieldType, type FieldGroup,
  RECORD_FIELDS, RECORD_STATUSES, RECORD_VERSION, recordFor, skippedRecord, recordProblem, keyOfRecord, isMeasured, upgradeRecord,
} from './record';
export { type RunRecord, runRecordProblem, intentOf } from './run-record';
export { type CellSummaryRecord, type CellMemory, type CellLoad, type LoadPoint, cellRecordProblem } from './cell-record';
export { readResults, droppedSummary, type ResultsFile } from './results';
export { lockResults, ResultsLockedError, type HeldResultsLock } from './results-lock';
export { recordKey, cellKey, type RequestKind, type KeyParts } from '../grid/record-key';
export { appendRecord, appendRecords, readRecords, type AppendResult, type ReadResult, type StoreLine } from './jsonl';
export { finishedCells, resumePlan } from './resume';
export { checkIntent, settingDifferences, type IntentCheck } from './intent';
export { ResultsMismatchError } from './errors';
