/**
 * The global --verbose (Foundry Local's CLI has it too: the workshop's first command is
 * `foundry --verbose …`). It sets SLMLAB_VERBOSE=1 for this process, so that errors print their
 * causes and stack, and verbs that load models say what they loaded, where from and how fast.
 */
import { envValue } from '../../lib/environment';

export function isVerbose(env: NodeJS.ProcessEnv = process.env): boolean {
  return envValue('SLMLAB_VERBOSE', env) === '1';
}

/** One line on stderr, only with --verbose. */
export function verbose(line: string): void {
  if (isVerbose()) process.stderr.write(`slmlab: ${line}\n`);
}
