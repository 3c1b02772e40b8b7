/**
 * The three public faces (`slmlab`, `slmlab/notebook`, `slmlab/eval`) as sorted lists of their
 * top-level export names (values and types), read from the built declarations with the
 * TypeScript compiler API and compared with test/public-api.exports.json: adding or removing a
 * public name is a reviewed change to that file (regenerate it with UPDATE_API_SNAPSHOT=1).
 * And importing `slmlab` has no side effect on the notebook display.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const SNAPSHOT = path.join(ROOT, 'test', 'public-api.exports.json');
const FACES: Record<string, string> = {
  'slmlab': 'dist/lib/index.d.ts',
  'slmlab/notebook': 'dist/lib/lab/index.d.ts',
  'slmlab/eval': 'dist/lib/eval/index.d.ts',
};

function exportNames(): Record<string, string[]> {
  const files = Object.values(FACES).map((f) => path.join(ROOT, f));
  const program = ts.createProgram(files, { strict: true, skipLibCheck: true, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const out: Record<string, string[]> = {};
  for (const [face, file] of Object.entries(FACES)) {
    const sf = program.getSourceFile(path.join(ROOT, file));
    assert.ok(sf, `${file} is built (npm run build)`);
    const sym = checker.getSymbolAtLocation(sf);
    assert.ok(sym, `${file} is a module`);
    out[face] = checker.getExportsOfModule(sym).map((s) => s.name).sort();
  }
  return out;
}

test('the export lists of the three faces match the reviewed snapshot', () => {
  const now = exportNames();
  if (process.env.UPDATE_API_SNAPSHOT === '1') fs.writeFileSync(SNAPSHOT, JSON.stringify(now, null, 1) + '\n');
  const saved = JSON.parse(fs.readFileSync(SNAPSHOT, 'utf8')) as Record<string, string[]>;
  for (const face of Object.keys(FACES)) {
    const added = now[face].filter((n) => !saved[face]?.includes(n));
    const removed = (saved[face] ?? []).filter((n) => !now[face].includes(n));
    assert.deepEqual({ added, removed }, { added: [], removed: [] },
      `${face}'s exports changed: review, then run UPDATE_API_SNAPSHOT=1 node --test dist/test/public-api.test.js and commit test/public-api.exports.json`);
  }
  // one name, one meaning: no name is exported by two faces
  const seen = new Map<string, string>();
  for (const [face, names] of Object.entries(now)) {
    for (const n of names) {
      assert.ok(!seen.has(n), `${n} is exported by both ${seen.get(n)} and ${face}`);
      seen.set(n, face);
    }
  }
});

test('importing slmlab installs no display hook; importing slmlab/notebook does (inside a kernel)', () => {
  // A stand-in for tslab's kernel module: display hooks install only where
  // lib/lab/display.ts finds tslab's jupyter.js in require.cache with a display writer.
  // Starting a real kernel costs seconds; notebooks.test.ts runs the real one through nbconvert.
  const script = `
    const path = require('node:path'), fs = require('node:fs'), os = require('node:os'), util = require('node:util');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-hooks-'));
    const fake = path.join(dir, 'tslab', 'dist', 'jupyter.js');
    fs.mkdirSync(path.dirname(fake), { recursive: true });
    fs.writeFileSync(fake, 'exports.lastWriteDisplayData = () => {};');
    require(fake);
    const root = ${JSON.stringify(ROOT)};
    const { SlmlabError } = require(path.join(root, 'dist/lib/errors'));
    const polars = require(require.resolve('nodejs-polars/bin/dataframe.js', { paths: [root] }));
    const state = () => [Object.prototype.hasOwnProperty.call(SlmlabError.prototype, util.inspect.custom),
      Boolean(polars._DataFrame[Symbol.for('slmlab.displayHook')])];
    require(path.join(root, 'dist/lib/index.js'));
    const afterRoot = state();
    require(path.join(root, 'dist/lib/lab/index.js'));
    console.log(JSON.stringify({ afterRoot, afterNotebook: state() }));
    fs.rmSync(dir, { recursive: true, force: true });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout.trim().split('\n').pop()!) as { afterRoot: boolean[]; afterNotebook: boolean[] };
  assert.deepEqual(s.afterRoot, [false, false], 'importing slmlab patched the error class or polars frames');
  assert.deepEqual(s.afterNotebook, [true, true], 'slmlab/notebook installs its hooks in a kernel (the stand-in works)');
});
