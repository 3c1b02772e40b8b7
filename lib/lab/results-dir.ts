/**
 * Where a notebook keeps its results: <repo>/results/notebooks/<lesson>/ (or SLMLAB_RESULTS_DIR/
 * <lesson>), apart from the CLI's reports/<grid>/, so `slmlab bench session03` never appends to
 * a notebook's results file and a notebook never resumes the CLI's.
 */
import * as path from 'node:path';
import { envValue } from '../environment';
import { UsageError } from '../errors';

export const RESULTS_ROOT = path.resolve(__dirname, '..', '..', '..', 'results', 'notebooks');

export function resultsDir(lesson: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(lesson)) throw new UsageError(`resultsDir: '${lesson}' is not a plain folder name: use letters, digits, '.', '_' or '-', e.g. 'session03'`);
  const own = envValue('SLMLAB_RESULTS_DIR', env);
  return path.join(own ? path.resolve(own) : RESULTS_ROOT, lesson);
}
