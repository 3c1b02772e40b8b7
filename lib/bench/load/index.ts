/**
 * Load generation: closed loops (N clients), open loops (Poisson, constant or gamma arrivals
 * at a rate, with an in-flight cap), worker threads, client-lag checks, SLOs and goodput,
 * per-level statistics, and the sweep and find-max profiles over them.
 */
export { arrivalOffsets, interArrivalGaps, gammaDraw, type ArrivalOptions } from './arrivals';
export { driveLevel, type LevelSend, type SendFn, type DriveOptions } from './drive-level';
export { driveLevelInWorkers, splitLevel, mergeSends, workerOf, type WorkerJob, type SpreadOptions } from './workers';
export { lagVerdict, lagWarning, type LagVerdict, type LagOptions } from './lag';
export { parseSlo, formatSlo, meetsSlo, SloError, SLO_METRICS, type Slo } from './slo';
export { levelStats, levelsOf, levelLabel, durationMs, type LevelStats, type LevelOptions, type Distribution, type Goodput } from './level-stats';
export { findMax, sloVerdict, passed, type FindMaxOptions, type FindMaxResult, type SearchStep, type Verdict } from './find-max';
export { sweep, linspace, roundRate, type SweepOptions, type SweepResult, type SweepLevel } from './sweep';
// runProfile (a load profile run as a plan) sits above the runner: lib/bench/run-profile.ts
export { chatRequestOf, sender } from './chat-request';
