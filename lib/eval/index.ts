/**
 * eval: the quality and cost side of session 4, as plain functions over result records.
 *
 *   qaScoreTable(scoreRequests(results.requests))      exact / normalised / contains per model
 *   writeRubricFile(file, items); readRubricFile(file)   the class's 1-5 rubric
 *   await judge(items, { baseURL, model })              model-as-judge, any OpenAI-compatible endpoint
 *   costTable(results.requests, loadPrices())           tokens × an editable price table
 *   energyMeter().stop()                                RAPL joules, else a labelled estimate
 */
export { normalizeAnswer } from './normalize-answer';
export { scoreAnswer, scoreRequests, qaScoreTable, type AnswerScore, type ScoredAnswer, type QaScoreRow } from './qa-score';
export {
  RUBRIC_CRITERIA, RUBRIC_GUIDE, RubricError, rubricItem, rubricItemsFromRequests, parseRubric, readRubricFile, writeRubricFile, rubricSummary,
  type RubricCriterion, type RubricScores, type RubricItem, type RubricFile, type RubricSummaryRow,
} from './rubric';
export { judge, judgePrompt, parseJudgeReply, JudgeError, type JudgeOptions, type JudgedItem } from './judge';
export { loadPrices, costTable, DEFAULT_PRICES_FILE, PriceTableError, type Price, type PriceTable, type CostRow } from './cost';
export { energyMeter, raplDomains, DEFAULT_ASSUMED_TDP_W, POWERCAP_DIR, type EnergyReading, type EnergyMeter } from './energy';
export { draftRefine, REFINE_SYSTEM, type DraftRefineOptions, type DraftRefineResult, type LoadRow, type StageRow } from './draft-refine';
