/**
 * Executes the workshop notebooks headless into results/notebooks/<notebook>.html (each notebook
 * keeps its results beside it, in results/notebooks/<lesson>/, apart from the CLI's reports/;
 * SLMLAB_RESULTS_DIR moves both).
 *
 *   npm run notebooks [-- --param models=tiny --param rounds=2] [--notebook session03]
 *
 * For each notebook: the `parameters`-tagged cell's `const name = value;` lines are the defaults;
 * every --param must name one of them (in at least one notebook) and parse as its type (number,
 * boolean or string). The values go into an `injected-parameters` cell right after the parameters
 * cell (papermill's convention; tslab allows re-declaring a const in a later cell), in a temporary
 * copy next to the notebook (so `slmlab` resolves the same way), which
 * `jupyter nbconvert --to html --execute` runs with slmlab's tslab kernelspec (.jupyter/, absolute paths).
 * scripts/notebooks/nbconvert_config.py prints the failing cell's real error (tslab leaves nbclient an empty
 * `<Error>:`) and leaves out nbclient's traceback. Each run writes into a staging folder and
 * replaces the published results only when the notebook finished; a failed run's partial results
 * go to <results>/failed/<notebook>/ with a FAILED.txt, the previous results untouched. Exit 0: all rendered; 1: a notebook failed or bad arguments; 2: jupyter or the tslab
 * kernel is missing.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../lib/errors';
import { argsHelp, parseScriptArgs } from '../../lib/util/argv';
import { jupyterEnv, projectJupyterPath, writeKernelspec } from './kernelspec';
import { envValue } from '../../lib/environment';

const ROOT = path.resolve(__dirname, '..', '..', '..');
export const NOTEBOOKS = ['session03_benchmark_oss_models', 'session03b_two_engines', 'session04_model_compare', 'deploy_quantize'];

type ParamType = 'number' | 'boolean' | 'string';
export interface ParamDefault { name: string; type: ParamType; value: number | boolean | string }

interface Cell { id?: string; cell_type: string; source: string | string[]; metadata: { tags?: string[] } & Record<string, unknown>; outputs?: unknown[]; execution_count?: number | null }
interface Notebook { cells: Cell[]; metadata: Record<string, unknown>; nbformat?: number; nbformat_minor?: number }

const INSTALL = [
  'Install Jupyter (Debian/Ubuntu): apt-get install -y jupyter-nbconvert python3-nbclient jupyter-client jupyter-notebook',
  '(the tslab kernelspec is written by this script into .jupyter/kernels/tslab, with absolute paths)',
].join('\n');

const sourceOf = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);
const hasTag = (c: Cell, tag: string) => (c.metadata?.tags ?? []).includes(tag);

/** `const x = 1;` / `const s = 'a';` / `let b = true;` lines of a parameters cell. */
export function parseDefaults(source: string): ParamDefault[] {
  const out: ParamDefault[] = [];
  for (const line of source.split('\n')) {
    const m = /^\s*(?:const|let)\s+([A-Za-z_$][\w$]*)\s*(?::\s*\w+\s*)?=\s*(.+?)\s*;?\s*(?:\/\/.*)?$/.exec(line);
    if (!m) continue;
    const [, name, raw] = m;
    if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) out.push({ name, type: 'number', value: Number(raw) });
    else if (raw === 'true' || raw === 'false') out.push({ name, type: 'boolean', value: raw === 'true' });
    else if (/^'(?:[^'\\]|\\.)*'$|^"(?:[^"\\]|\\.)*"$/.test(raw)) out.push({ name, type: 'string', value: raw.slice(1, -1) });
    else throw new UsageError(`parameters cell: cannot read the default of ${name} (${raw}): use a plain number, boolean or string literal`);
  }
  return out;
}

/** Parses a --param value to the default's type, or returns the problem. */
export function coerce(d: ParamDefault, text: string): { value: number | boolean | string } | { problem: string } {
  if (d.type === 'number') {
    const n = Number(text);
    return text.trim() !== '' && Number.isFinite(n) ? { value: n } : { problem: `--param ${d.name}=${text}: ${d.name} is a number (default ${d.value})` };
  }
  if (d.type === 'boolean') {
    return text === 'true' || text === 'false' ? { value: text === 'true' } : { problem: `--param ${d.name}=${text}: ${d.name} is true or false (default ${d.value})` };
  }
  return { value: text };
}

/** A copy of the notebook with an injected-parameters cell after the parameters cell (previous injections dropped). */
export function injectParameters(nb: Notebook, values: Record<string, number | boolean | string>): Notebook {
  const cells = nb.cells.filter((c) => !hasTag(c, 'injected-parameters'));
  const names = Object.keys(values);
  if (names.length === 0) return { ...nb, cells };
  const at = cells.findIndex((c) => hasTag(c, 'parameters'));
  const injected: Cell = {
    id: 'injected-parameters', cell_type: 'code', execution_count: null, outputs: [], metadata: { tags: ['injected-parameters'] },
    source: ['// Injected parameters (npm run notebooks -- --param ...)\n', ...names.map((n) => `const ${n} = ${JSON.stringify(values[n])};\n`)],
  };
  cells.splice(at + 1, 0, injected);
  return { ...nb, cells };
}

const ARGS = {
  name: 'run-notebooks',
  usage: 'npm run notebooks [-- --param name=value ...] [--notebook session03]',
  about: "Runs the notebooks headless through jupyter nbconvert with slmlab's tslab kernel; --param values replace the defaults of each notebook's parameters cell.",
  options: {
    param: { type: 'repeat', value: 'NAME=VALUE', help: "a parameter for every notebook's parameters cell" },
    notebook: { type: 'repeat', value: 'NAME', help: 'run only this notebook (e.g. session03)' },
  },
} as const;

function parseArgs(argv: string[]): { params: Map<string, string>; only: string[] } {
  const { values, help } = parseScriptArgs(ARGS, argv);
  if (help) {
    console.log(argsHelp(ARGS));
    process.exit(0);
  }
  const params = new Map<string, string>();
  for (const p of values.param) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${p}: expected name=value`);
    params.set(p.slice(0, eq), p.slice(eq + 1));
  }
  return { params, only: values.notebook };
}

function checkJupyter(env: NodeJS.ProcessEnv): string | null {
  const v = spawnSync('jupyter', ['nbconvert', '--version'], { env, encoding: 'utf8' });
  if (v.error || v.status !== 0) return `jupyter nbconvert is not available (${v.error?.message ?? v.stderr.trim()}).`;
  const k = spawnSync('jupyter', ['kernelspec', 'list', '--json'], { env, encoding: 'utf8' });
  let kernels: Record<string, unknown> = {};
  try { kernels = JSON.parse(k.stdout).kernelspecs ?? {}; } catch { /* reported below */ }
  if (!('tslab' in kernels)) return 'the tslab Jupyter kernel is not installed.';
  return null;
}

/** A path relative to the checkout when inside it, else absolute. */
const shownPath = (p: string) => (path.relative(ROOT, p).startsWith('..') ? p : path.relative(ROOT, p));

/** The lesson folder a notebook writes (session03_… -> session03), or null (deploy_quantize keeps none). */
export function lessonOf(notebook: string): string | null {
  return /^(session\d+)_/.exec(notebook)?.[1] ?? null;
}

/** A fresh staging folder under reportsDir holding a copy of the notebook's previous lesson folder. */
export function stageRun(reportsDir: string, notebook: string): string {
  const stage = path.join(reportsDir, `.run-${notebook}-${process.pid}`);
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  const lesson = lessonOf(notebook);
  if (lesson && fs.existsSync(path.join(reportsDir, lesson))) fs.cpSync(path.join(reportsDir, lesson), path.join(stage, lesson), { recursive: true });
  return stage;
}

/** Moves every entry of a finished staging folder over the published one (one rename per entry). */
export function publish(reportsDir: string, stage: string): void {
  for (const name of fs.readdirSync(stage)) {
    const dest = path.join(reportsDir, name);
    const old = path.join(reportsDir, `.old-${name}-${process.pid}`);
    const had = fs.existsSync(dest);
    if (had) fs.renameSync(dest, old);
    fs.renameSync(path.join(stage, name), dest);
    if (had) fs.rmSync(old, { recursive: true, force: true });
  }
}

/** A failed run's staging folder, kept as reportsDir/failed/<notebook>/ with a FAILED.txt; returns it. */
export function keepFailed(reportsDir: string, stage: string, notebook: string, why: string): string {
  const dest = path.join(reportsDir, 'failed', notebook);
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.renameSync(stage, dest);
  fs.writeFileSync(path.join(dest, 'FAILED.txt'), `${new Date().toISOString()} ${notebook} failed (${why}): these are partial results, `
    + `not a report; the last complete run's results are in ${reportsDir}.\n`);
  return dest;
}

/**
 * The notebook without outputs, execution counts or per-cell execution metadata (nbstripout-style),
 * or null when it is already clean. Jupyter autosaves a run's outputs into the tracked file; the
 * repository keeps notebooks clean.
 */
export function stripOutputs(nb: Notebook): Notebook | null {
  let changed = false;
  const cells = nb.cells.map((c) => {
    if (c.cell_type !== 'code') return c;
    const { execution, ...meta } = c.metadata as Record<string, unknown>;
    const dirty = (c.outputs?.length ?? 0) > 0 || (c.execution_count ?? null) !== null || execution !== undefined;
    if (!dirty) return c;
    changed = true;
    return { ...c, metadata: meta, outputs: [], execution_count: null };
  });
  return changed ? { ...nb, cells } : null;
}

/** Writes a notebook back in the file's own JSON style (indent 1; \\u escapes and a final newline when the file had them). */
export function writeNotebookLike(file: string, original: string, nb: Notebook): void {
  let out = JSON.stringify(nb, null, 1);
  if (/^[\x00-\x7f]*$/.test(original) && original.includes('\\u')) out = out.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (original.endsWith('\n')) out += '\n';
  fs.writeFileSync(file, out);
}

/** nbformat 4.5 wants an id on every cell (nbformat warns MissingIDFieldWarning otherwise): give one to cells without. */
export function withCellIds(nb: Notebook): Notebook {
  const used = new Set(nb.cells.map((c) => c.id).filter((id): id is string => typeof id === 'string'));
  let n = 0;
  const cells = nb.cells.map((c) => {
    if (typeof c.id === 'string') return c;
    let id: string;
    do id = `cell-${++n}`; while (used.has(id));
    used.add(id);
    return { ...c, id };
  });
  return { ...nb, nbformat: 4, nbformat_minor: Math.max(5, Number(nb.nbformat_minor ?? 5)), cells };
}

function main(): number {
  let args: ReturnType<typeof parseArgs>;
  try { args = parseArgs(process.argv.slice(2)); } catch (e) { console.error(`run-notebooks: ${(e as Error).message}`); return 1; }
  // slmlab's own tslab kernelspec (absolute paths), first on JUPYTER_PATH: no `tslab` on PATH needed.
  writeKernelspec(projectJupyterPath());
  const env = jupyterEnv(process.env);
  const missing = checkJupyter(env);
  if (missing) { console.error(`run-notebooks: ${missing}\n${INSTALL}`); return 2; }

  const chosen = NOTEBOOKS.filter((n) => args.only.length === 0 || args.only.some((o) => n.includes(o)));
  if (chosen.length === 0) { console.error(`run-notebooks: no notebook matches ${args.only.join(', ')} (have ${NOTEBOOKS.join(', ')})`); return 1; }

  // Validate every --param against the defaults of the chosen notebooks before running anything.
  const plans: Array<{ name: string; nb: Notebook; values: Record<string, number | boolean | string> }> = [];
  const known = new Set<string>();
  const problems: string[] = [];
  for (const name of chosen) {
    const file = path.join(ROOT, 'notebooks', `${name}.ipynb`);
    const raw = fs.readFileSync(file, 'utf8');
    let nb = JSON.parse(raw) as Notebook;
    const clean = stripOutputs(nb);
    if (clean) {
      // Outputs a Jupyter session autosaved into the tracked notebook: cleared, so git stays clean.
      writeNotebookLike(file, raw, clean);
      console.log(`run-notebooks: cleared the saved outputs of notebooks/${name}.ipynb (the repository keeps notebooks clean)`);
      nb = clean;
    }
    const pcell = nb.cells.find((c) => hasTag(c, 'parameters'));
    const defaults = pcell ? parseDefaults(sourceOf(pcell)) : [];
    const values: Record<string, number | boolean | string> = {};
    for (const d of defaults) {
      known.add(d.name);
      const text = args.params.get(d.name);
      if (text === undefined) continue;
      const r = coerce(d, text);
      if ('problem' in r) problems.push(`${name}: ${r.problem}`); else values[d.name] = r.value;
    }
    plans.push({ name, nb, values });
  }
  for (const p of args.params.keys()) if (!known.has(p)) problems.push(`--param ${p}: no notebook has this parameter (known: ${[...known].sort().join(', ')})`);
  if (problems.length > 0) { console.error(problems.map((p) => `run-notebooks: ${p}`).join('\n')); return 1; }

  const ownResults = envValue('SLMLAB_RESULTS_DIR');
  const reportsDir = ownResults ? path.resolve(ownResults) : path.join(ROOT, 'results', 'notebooks');
  fs.mkdirSync(reportsDir, { recursive: true });
  const failed: string[] = [];
  for (const plan of plans) {
    const tmp = path.join(ROOT, 'notebooks', `.${plan.name}.run-${process.pid}.ipynb`);
    fs.writeFileSync(tmp, JSON.stringify(withCellIds(injectParameters(plan.nb, plan.values)), null, 1));
    const shown = Object.entries(plan.values).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    console.log(`\n== ${plan.name}${shown ? ` (${shown})` : ''}`);
    const t0 = Date.now();
    // The run writes into a staging folder (a copy of the lesson's previous results, so a resumed
    // grid and the class's rubric ratings carry over); it replaces the published folder only when
    // the whole notebook ran, so report.html never describes other data than results.jsonl.
    const stage = stageRun(reportsDir, plan.name);
    try {
      const r = spawnSync('jupyter', [
        'nbconvert', '--to', 'html', '--execute', '--ExecutePreprocessor.timeout=1800',
        '--ExecutePreprocessor.kernel_name=tslab',
        '--config', path.join(ROOT, 'scripts', 'notebooks', 'nbconvert_config.py'),
        '--output-dir', stage, '--output', plan.name, tmp,
      ], { env: { ...env, SLMLAB_RESULTS_DIR: stage }, stdio: 'inherit', cwd: ROOT });
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      if (r.error || r.status !== 0) {
        failed.push(plan.name);
        const kept = keepFailed(reportsDir, stage, plan.name, r.error?.message ?? `jupyter nbconvert exited with ${r.status ?? r.signal}`);
        console.error(`run-notebooks: ${plan.name} FAILED after ${secs} s (its error is above, after "--- notebook cell N failed"); `
          + `the previous results are untouched, this run's partial results are in ${shownPath(kept)}`);
      } else {
        publish(reportsDir, stage);
        fs.rmSync(path.join(reportsDir, 'failed', plan.name), { recursive: true, force: true });
        console.log(`run-notebooks: ${plan.name} -> ${shownPath(path.join(reportsDir, plan.name + '.html'))} (${secs} s)`);
      }
    } finally {
      fs.rmSync(tmp, { force: true });
      fs.rmSync(stage, { recursive: true, force: true });
    }
  }
  if (failed.length > 0) { console.error(`run-notebooks: ${failed.length} notebook(s) failed: ${failed.join(', ')}`); return 1; }
  return 0;
}

if (require.main === module) process.exitCode = main();
