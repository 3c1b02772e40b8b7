/**
 * Claims match code: where the notebooks' prose says that models' requests interleave,
 * alternate or pair up, the grid the notebook runs must be planned that way (and say what
 * happens when the models do not fit in memory together). The specs are rebuilt from the
 * notebooks' own parameter cells and the shipped grid files, as their code cells build them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadGrid } from '../lib/bench/grid/load';
import { planGrid } from '../lib/bench/plan';
import type { GridSpec } from '../lib/bench/grid';

const NB = path.resolve(__dirname, '..', '..', 'notebooks');
const CLAIM = /interleav|alternat|paired/i;

interface Cell { cell_type: string; id?: string; source: string | string[] }
const cellsOf = (file: string): Cell[] => (JSON.parse(fs.readFileSync(path.join(NB, file), 'utf8')) as { cells: Cell[] }).cells;
const text = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);
/** `const name = 'value';` from the notebook's parameter cell. */
function param(cells: Cell[], name: string): string {
  for (const c of cells) {
    const m = new RegExp(`^const ${name} = '([^']*)';`, 'm').exec(text(c));
    if (c.cell_type === 'code' && m) return m[1];
  }
  throw new Error(`no parameter ${name}`);
}
const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

/** Asserts the plan alternates its models request by request, order rotated each round. */
function assertAlternates(spec: GridSpec, what: string): void {
  const plan = planGrid(spec, { env: {}, availableBytes: 64 * 2 ** 30 });
  assert.equal(plan.interleave, 'alternate', `${what}: ${plan.interleaveReason}`);
  const cpu = plan.requests.filter((r) => r.kind === 'measure' && r.cell.provider === 'cpu');
  const models = new Set(cpu.map((r) => r.cell.model));
  assert.ok(models.size >= 2, `${what} compares models`);
  const firsts = new Set<string>([cpu[0].cell.model]);
  for (let i = 1; i < cpu.length; i++) if (cpu[i].round !== cpu[i - 1].round) firsts.add(cpu[i].cell.model);
  assert.ok(firsts.size >= 2, `${what}: who goes first rotates between rounds`);
  // Within a round no model runs all its cells before the other starts when the round has both.
  const round1 = cpu.filter((r) => r.round === 1).map((r) => r.cell.model);
  assert.ok(new Set(round1).size >= 2, `${what}: round 1 holds both models`);
  for (let i = 1; i < round1.length; i++) assert.notEqual(round1[i], round1[i - 1], `${what}: models take turns request by request (${round1.join(' ')})`);
  // Too little memory: the plan says sequential, as the prose warns.
  const tight = planGrid(spec, { env: {}, availableBytes: 1 });
  assert.equal(tight.interleave, 'load-group');
  assert.match(tight.interleaveReason, /sequential/);
}

test('session 3: the prose that says the models interleave runs a grid whose models alternate', () => {
  const cells = cellsOf('session03_benchmark_oss_models.ipynb');
  const claims = cells.filter((c) => c.cell_type === 'markdown' && CLAIM.test(text(c)));
  assert.ok(claims.length > 0);
  const spec: GridSpec = { ...loadGrid('session03'), models: list(param(cells, 'models')), providers: list(param(cells, 'providers')), prompts: list(param(cells, 'prompts')) };
  assertAlternates(spec, 'session 3 grid');
  assert.ok(claims.some((c) => /one\s+after\s+the\s+other/.test(text(c))), 'the prose says what happens when the models do not fit together');
});

test('session 4: the SLM-vs-LLM prose that says the rounds alternate and pair runs a grid that does', () => {
  const cells = cellsOf('session04_model_compare.ipynb');
  const claims = cells.filter((c) => c.cell_type === 'markdown' && CLAIM.test(text(c)));
  assert.ok(claims.length > 0);
  const spec: GridSpec = { ...loadGrid('session04'), compare: { slm: param(cells, 'slm'), llm: param(cells, 'llm') }, providers: list(param(cells, 'providers')),
    prompts: ['workshop#local-ai-benefits', 'workshop#explain-latency'] };
  assertAlternates(spec, 'session 4 compare grid');
  assertAlternates({ ...loadGrid('session04-qa'), compare: { slm: param(cells, 'slm'), llm: param(cells, 'llm') }, providers: ['cpu'] }, 'session 4 QA grid');
  assert.ok(claims.some((c) => /sequential/.test(text(c))), 'the prose says a ratio of models run one after the other is not paired');
});
