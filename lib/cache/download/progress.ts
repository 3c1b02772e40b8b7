/**
 * Download progress for callbacks (the CLI draws bars from them; this module draws nothing).
 * Events are throttled to one per `intervalMs` (default 100 ms, so at most 10 a second),
 * except phase changes and file boundaries, which are always sent.
 * Speed is measured over a sliding 5-second window of bytes received from the network
 * (bytes found on disk when resuming count toward `bytes` but not toward speed);
 * ETA = bytes left / speed.
 */
export type DownloadPhase = 'listing' | 'downloading' | 'verifying' | 'building' | 'done';

export interface DownloadProgress {
  variantId: string;
  /** Current file (posix path in the variant folder), '' when none. */
  file: string;
  fileBytes: number;
  fileTotal: number | null;
  /** All files: bytes on disk so far. */
  bytes: number;
  total: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
  phase: DownloadPhase;
}

export type ProgressCallback = (p: DownloadProgress) => void;

const WINDOW_MS = 5000;

export class ProgressTracker {
  private phaseNow: DownloadPhase = 'listing';
  private file = '';
  private fileBytes = 0;
  private fileTotal: number | null = null;
  private bytes = 0;
  private counted: Record<string, number> = {};
  private received = 0;
  private samples: { t: number; received: number }[] = [];
  private lastEmit = 0;

  constructor(
    private readonly variantId: string,
    private total: number | null,
    private readonly callback: ProgressCallback | undefined,
    private readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The plan is known: its total, and what each file already has on disk. */
  setTotal(total: number | null, onDisk: Record<string, number> = {}): void {
    this.total = total;
    this.counted = { ...onDisk };
    this.bytes = Object.values(onDisk).reduce((a, b) => a + b, 0);
  }

  phase(phase: DownloadPhase, file = this.file): void {
    this.phaseNow = phase;
    if (phase === 'done' && this.total !== null) this.bytes = this.total;
    this.file = file;
    this.emit(true);
  }

  /** (Re)starting `file` with `have` bytes on disk. */
  startFile(file: string, fileTotal: number | null, have: number): void {
    this.bytes += have - (this.counted[file] ?? 0);
    this.counted[file] = have;
    this.file = file;
    this.fileTotal = fileTotal;
    this.fileBytes = have;
    this.phaseNow = 'downloading';
    this.emit(true);
  }

  /** `delta` new bytes of the current file arrived from the network. */
  add(delta: number): void {
    this.counted[this.file] = (this.counted[this.file] ?? 0) + delta;
    this.fileBytes += delta;
    this.bytes += delta;
    this.received += delta;
    this.emit(false);
  }

  /** The current file's first `bytes` were thrown away (server ignored Range, checksum mismatch). */
  rewind(bytes: number): void {
    this.counted[this.file] = Math.max(0, (this.counted[this.file] ?? 0) - bytes);
    this.fileBytes = Math.max(0, this.fileBytes - bytes);
    this.bytes = Math.max(0, this.bytes - bytes);
  }

  /** Another process is doing the work: its bytes on disk so far, out of `total`. */
  observe(bytes: number, total: number | null): void {
    this.phaseNow = 'downloading';
    this.total = total;
    this.received += Math.max(0, bytes - this.bytes);
    this.bytes = bytes;
    this.emit(false);
  }

  /** Building: absolute done/total (buildModel's progress). */
  building(done: number, total: number): void {
    this.phaseNow = 'building';
    this.total = total;
    const delta = done - this.bytes;
    this.bytes = done;
    this.received += Math.max(0, delta);
    this.emit(done >= total);
  }

  snapshot(): DownloadProgress {
    const t = this.now();
    this.samples.push({ t, received: this.received });
    while (this.samples.length > 2 && t - this.samples[1].t > WINDOW_MS) this.samples.shift();
    const first = this.samples[0];
    const dt = (t - first.t) / 1000;
    const bytesPerSecond = dt > 0 ? (this.received - first.received) / dt : 0;
    const left = this.total !== null ? Math.max(0, this.total - this.bytes) : null;
    const etaSeconds = this.phaseNow === 'done' ? 0 : left !== null && bytesPerSecond > 0 ? left / bytesPerSecond : null;
    return {
      variantId: this.variantId, file: this.file, fileBytes: this.fileBytes, fileTotal: this.fileTotal,
      bytes: this.bytes, total: this.total, bytesPerSecond, etaSeconds, phase: this.phaseNow,
    };
  }

  private emit(force: boolean): void {
    if (!this.callback) return;
    const t = this.now();
    if (!force && t - this.lastEmit < this.intervalMs) {
      this.samples.push({ t, received: this.received });
      return;
    }
    this.lastEmit = t;
    this.callback(this.snapshot());
  }
}
