/**
 * The results store: RequestRecords as JSON lines, appended as they arrive, read back
 * whole, and resumed from without losing or repeating work.
 *
 *   const { records, truncated } = readRecords(file);
 *   for (const req of resumePlan(schedule(cells), records)) await appendRecord(file, await run(req));
 */
export {
  type RequestRecord, type RecordStatus, type TokenSource, type FieldSpec, type FieldType, type FieldGroup,
  RECORD_FIELDS, RECORD_STATUSES, RECORD_VERSION, recordFor, skippedRecord, recordProblem, keyOfRecord,
} from './record';
export { recordKey, cellKey, type RequestKind, type KeyParts } from './key';
export { appendRecord, appendRecords, readRecords, type AppendResult, type ReadResult, type StoreLine } from './jsonl';
export { finishedCells, resumePlan } from './resume';
