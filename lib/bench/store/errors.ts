/** Errors of the results store. */
import { SlmlabError } from '../../errors';

/**
 * A results file holds runs of other settings than the grid being resumed into it: resuming
 * would merge two different experiments into one set of rows. The message names both ways out.
 */
export class ResultsMismatchError extends SlmlabError {
  readonly file: string;
  readonly differences: string[];
  constructor(message: string, file: string, differences: string[]) {
    super('invalid_request', message, 409);
    this.file = file;
    this.differences = differences;
  }
}
