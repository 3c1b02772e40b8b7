/**
 * Peak resident memory per open cell: process.memoryUsage().rss sampled every `intervalMs`
 * (default 100) while a cell is open. For the embedded service that is the serving process
 * (the runner shares it); URL endpoints are not opened (their memory is not ours to see).
 */
export interface MemorySampler {
  /** Starts tracking `key` (no-op when open). */
  open(key: string): void;
  /** Takes a sample now; returns and forgets `key`'s peak (null when it was never opened). */
  close(key: string): number | null;
  stop(): void;
}

export function memorySampler(intervalMs = 100): MemorySampler {
  const peak = new Map<string, number>();
  const sample = () => { const rss = process.memoryUsage().rss; for (const [k, v] of peak) if (rss > v) peak.set(k, rss); };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    open: (key) => { if (!peak.has(key)) peak.set(key, process.memoryUsage().rss); },
    close: (key) => {
      sample();
      const v = peak.get(key) ?? null;
      peak.delete(key);
      return v;
    },
    stop: () => clearInterval(timer),
  };
}
