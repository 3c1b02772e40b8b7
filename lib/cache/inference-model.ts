/**
 * Foundry Local's `inference_model.json`, written beside a downloaded variant's files so the
 * folder works in Foundry Local too ("Add inference_model.json", Foundry Local's
 * docs/how-to/compile-models-for-foundry-local.md) and slmlab's tokenizer uses the catalog's
 * prompt template (chat-template.ts gives it precedence over the jinja chat_template).
 *
 *   {"Name": "<variant id>", "PromptTemplate": {"system"?, "user"?, "assistant", "prompt"}}
 *
 * A file the repository itself ships is kept: it is the publisher's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FoundryPromptTemplate } from '../engine/chat-template';

export const INFERENCE_MODEL_FILE = 'inference_model.json';

export interface InferenceModel {
  Name: string;
  /** Foundry writes null when the catalog has no template (inference_model_writer.cc). */
  PromptTemplate?: FoundryPromptTemplate | null;
}

/** The record for a variant: its id as Name, and the catalog's template when it has one. */
export function inferenceModelFor(name: string, promptTemplate: FoundryPromptTemplate | null | undefined): InferenceModel {
  return promptTemplate ? { Name: name, PromptTemplate: promptTemplate } : { Name: name };
}

/** Writes `record` into `dir` unless the folder already has the file; returns true when written. */
export function writeInferenceModel(dir: string, record: InferenceModel): boolean {
  const file = path.join(dir, INFERENCE_MODEL_FILE);
  if (fs.existsSync(file)) return false;
  fs.writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
  return true;
}
