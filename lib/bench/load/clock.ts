/** The load generator's clock: Unix ms with sub-ms precision (the clock timedChat's startEpochMs uses). */
export const nowEpochMs = (): number => performance.timeOrigin + performance.now();

/** Resolves at `epochMs` (at once when it has passed); timers can fire late on a busy machine, and the lag records show it. */
export function sleepUntil(epochMs: number): Promise<void> {
  const wait = epochMs - nowEpochMs();
  return wait > 0 ? new Promise((r) => setTimeout(r, wait)) : Promise.resolve();
}
