/**
 * The results file: JSON Lines, one record per line, appended as results arrive.
 *
 * Whole lines only. A batch is written with one write() of complete lines ("...}\n") on a
 * file opened for appending, then fsync'd, so after appendRecords resolves the records
 * survive a crash or power cut. A process killed in the middle of that write can leave a
 * partial last line; a line counts only once its '\n' is on disk, so:
 * - readRecords ignores a final line without '\n' and reports it (`truncated`);
 * - the next append first cuts that partial line off (ftruncate to the last '\n'), so
 *   the file is valid JSONL again and the request it stood for simply runs again.
 * Appends to one file from one process are serialised; one writer per file is assumed.
 *
 * Writes are asynchronous (libuv's thread pool), so an fsync never stalls the event loop
 * while other requests of a concurrent round are still streaming and being timed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { recordProblem, keyOfRecord, upgradeRecord, type RequestRecord } from './record';

/** Any line the store holds: request records, or other typed lines (run metadata). */
export type StoreLine = { type: string } & object;

export interface AppendResult {
  /** Lines written. */
  written: number;
  /** A partial last line from a killed writer that was cut off before appending; null when the file was whole. */
  repaired: { droppedBytes: number; text: string } | null;
}

const queues = new Map<string, Promise<unknown>>();

export interface AppendOptions {
  /**
   * fsync after the write (default true). Without it a killed process still loses nothing (the
   * kernel holds what was written); only a power cut or OS crash can lose the unsynced tail.
   * The runner syncs once per cell and skips it per request, where an fsync costs milliseconds.
   */
  sync?: boolean;
}

/** Appends `records` as one batch: one write of whole lines, then fsync (unless `sync: false`). */
export function appendRecords<T extends StoreLine>(file: string, records: readonly T[], opts: AppendOptions = {}): Promise<AppendResult> {
  const abs = path.resolve(file);
  const lines = records.map((r, i) => {
    const text = JSON.stringify(r);
    if (typeof text !== 'string' || !text.startsWith('{')) throw new TypeError(`record ${i} is not a JSON object`);
    return `${text}\n`; // JSON.stringify escapes newlines inside strings, so each record is one line
  }).join('');
  const previous = queues.get(abs) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => writeBatch(abs, lines, records.length, opts.sync ?? true));
  queues.set(abs, next);
  const forget = () => { if (queues.get(abs) === next) queues.delete(abs); };
  next.then(forget, forget);
  return next;
}

/** Appends one record (a batch of one). */
export function appendRecord<T extends StoreLine>(file: string, record: T): Promise<AppendResult> {
  return appendRecords(file, [record]);
}

async function writeBatch(abs: string, lines: string, count: number, sync: boolean): Promise<AppendResult> {
  await fs.promises.mkdir(path.dirname(abs), { recursive: true });
  const fh = await fs.promises.open(abs, 'a+');
  try {
    const repaired = await cutPartialLine(fh);
    if (count > 0) {
      const buf = Buffer.from(lines, 'utf8');
      let done = 0;
      while (done < buf.length) done += (await fh.write(buf, done, buf.length - done)).bytesWritten;
      if (sync) await fh.sync();
    } else if (repaired) {
      await fh.sync();
    }
    return { written: count, repaired };
  } finally {
    await fh.close();
  }
}

/** Truncates the file after its last '\n' when it ends inside a line; returns what was cut. */
async function cutPartialLine(fh: fs.promises.FileHandle): Promise<AppendResult['repaired']> {
  const { size } = await fh.stat();
  if (size === 0) return null;
  const last = Buffer.alloc(1);
  await fh.read(last, 0, 1, size - 1);
  if (last[0] === 0x0a) return null;
  const CHUNK = 64 * 1024;
  let end = size;
  let cut = 0;
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const buf = Buffer.alloc(end - start);
    await fh.read(buf, 0, buf.length, start);
    const i = buf.lastIndexOf(0x0a);
    if (i >= 0) { cut = start + i + 1; break; }
    end = start;
  }
  const partial = Buffer.alloc(Math.min(size - cut, 200));
  await fh.read(partial, 0, partial.length, cut);
  await fh.truncate(cut);
  return { droppedBytes: size - cut, text: partial.toString('utf8') };
}

export interface ReadResult {
  /** Request records, first occurrence of each key, in file order. */
  records: RequestRecord[];
  /** Lines of other types (run metadata), in file order. */
  others: StoreLine[];
  /** A final line without '\n' (a writer killed mid-write): ignored. Null when the file ends whole. */
  truncated: { line: number; bytes: number; text: string } | null;
  /** Whole lines that are not JSON or not valid records: ignored. */
  invalid: { line: number; reason: string }[];
  /** Lines repeating a key seen earlier: ignored (the store never writes them; they mean the file was edited or merged). */
  duplicates: { line: number; key: string }[];
  /** Requests a stopped run left in flight (status 'interrupted'): not results, left out; a resume runs them again. */
  interrupted: { line: number; key: string }[];
}

/**
 * Every record in `file`; a missing file reads as empty (nothing run yet). Reads the whole
 * file at once: call it before a run (to resume) or after (to analyse), not per request.
 */
export function readRecords(file: string): ReadResult {
  const result: ReadResult = { records: [], others: [], truncated: null, invalid: [], duplicates: [], interrupted: [] };
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw e;
  }
  const lines = text.split('\n');
  const tail = lines.pop() ?? ''; // '' when the file ends with '\n'
  if (tail !== '') {
    result.truncated = { line: lines.length + 1, bytes: Buffer.byteLength(tail), text: tail.length > 200 ? `${tail.slice(0, 200)}...` : tail };
  }
  const seen = new Set<string>();
  lines.forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === '') return;
    let value: unknown;
    try { value = JSON.parse(line); } catch (e) {
      result.invalid.push({ line: n, reason: `not JSON (${(e as Error).message})` });
      return;
    }
    const isTyped = typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { type?: unknown }).type === 'string';
    if (isTyped && (value as StoreLine).type !== 'request') { result.others.push(value as StoreLine); return; }
    const why = recordProblem(value);
    if (why) { result.invalid.push({ line: n, reason: why }); return; }
    const record = upgradeRecord(value as RequestRecord);
    const key = keyOfRecord(record);
    if (record.status === 'interrupted') { result.interrupted.push({ line: n, key }); return; }
    if (seen.has(key)) { result.duplicates.push({ line: n, key }); return; }
    seen.add(key);
    result.records.push(record);
  });
  return result;
}
