/**
 * Benchmark grids: spec -> validated -> (env overrides) -> cells -> request plan.
 *
 *   const spec = applyEnvOverrides(loadGrid('default'), process.env).spec;
 *   const cells = expandGrid(spec, loadPromptLibrary());
 *   console.log(formatDryRun(cells));
 *   for (const request of schedule(cells)) ...
 */
export {
  type GridSpec, type ResolvedGrid, type LoadMode, type ArrivalProcess, GRID_DEFAULTS, GRID_KEYS, EMBEDDED, LOAD_MODES, ARRIVAL_PROCESSES,
  resolveGrid, normalizeEndpoint, isFolderRef,
} from './spec';
export { NUMERIC_AXES, NUMERIC_AXIS_KEYS, type NumericAxis, type NumericAxisKey } from './axes';
export { syntheticText, syntheticMessages, SYNTHETIC_SET_ID, syntheticPromptId } from './synthetic-prompt';
export { GridError } from './errors';
export { validateGrid, gridProblems, type ValidateOptions } from './validate';
export { loadGrid, readGrid, gridFile, DEFAULT_GRIDS_DIR, type LoadGridOptions } from './load';
export {
  type Prompt, type PromptSet, type PromptMessage, type PromptRole, DEFAULT_PROMPTS_DIR, PROMPT_ROLES,
  validatePromptSet, promptSetProblems, loadPromptSet, loadPromptLibrary, resolvePromptRef, splitPromptRef, singlePromptSet,
} from './prompts';
export { applyEnvOverrides, formatOverrides, ENV_VARIABLES, type EnvVariable, type AppliedOverride, type IgnoredOverride, type EnvOverrideResult } from './env';
export { gridHash, canonicalJson, sha256Hex } from './hash';
export { cartesian, type Axes, type Point } from './cartesian';
export { expandGrid, loadGroupKey, cellSettings, LOAD_FIELDS, type Cell, type CompareRole } from './expand';
export { schedule, INTERLEAVE_MODES, type InterleaveMode, type PlannedRequest, type ScheduleOptions } from './schedule';
export { describeWork, formatDryRun, estimatePromptTokens, type WorkSummary } from './work';
