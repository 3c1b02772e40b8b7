/**
 * GridError: a grid spec, a prompt set or a workshop environment variable is wrong. Like
 * CatalogError, it lists every problem as "json.path: what is wrong" so a grid is fixed in
 * one pass; `file` names the grid or prompt file when there is one.
 */
import { SlmlabError } from '../../errors';

export class GridError extends SlmlabError {
  readonly problems: string[];
  readonly file: string | undefined;
  constructor(message: string, problems: string[] = [], file?: string) {
    super('invalid_request', message, 400);
    this.problems = problems;
    this.file = file;
  }
}

/** The one message shape for a list of problems: what, where, then each problem on its own line. */
export function problemsMessage(what: string, problems: readonly string[], fix: string): string {
  return `${what} has ${problems.length} problem${problems.length === 1 ? '' : 's'}; ${fix}:\n  ${problems.join('\n  ')}`;
}
