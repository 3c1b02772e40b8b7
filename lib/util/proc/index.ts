/** Reading processes and the machine's load from /proc (Linux); every reader returns null elsewhere. */
export { readProcFile, kbFields, PROC_ROOT } from './read';
export { readProcMemory, type ProcMemory } from './status';
export { readProcSharing, type ProcSharing } from './smaps-rollup';
export { readProcCpu, parseStat, treeCpuSeconds, USER_HZ, type ProcCpu, type TreeCpu } from './cpu-time';
export { readLoad, stealPercent, busyPercent, isBusy, type LoadReading } from './load';
