/** Errors of the report room. */
import { SlmlabError } from '../errors';

/** The input is not a results file slmlab can report on, or the output folder is not safe to write. */
export class ReportInputError extends SlmlabError {
  constructor(message: string) { super('invalid_request', message, 400); }
}

/** The results file does not exist. */
export class ResultsNotFoundError extends SlmlabError {
  constructor(message: string) { super('model_not_found', message, 404); }
}
