/**
 * lib/environment.ts is the one list of environment variables: every slmlab variable named in
 * lib/ or scripts/ is in it, every read goes through envValue(), and docs/environment.md
 * describes every entry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENVIRONMENT, envValue } from '../lib/environment';

const ROOT = path.resolve(__dirname, '..', '..');
const NAMES = new Set<string>(ENVIRONMENT.map((v) => v.name));

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)));
}
const FILES = [...sources('lib'), ...sources('scripts')].filter((f) => f !== path.join('lib', 'environment.ts'));

test('every SLMLAB_/BENCH_/HF_/FOUNDRY_ variable named in lib/ and scripts/ is in the table', () => {
  const text = new Map(FILES.map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8')]));
  // a constant's name (const FOUNDRY_ALIASES_HELP = ...) is not a variable
  const constants = new Set([...text.values()].flatMap((t) => [...t.matchAll(/\b(?:const|let)\s+([A-Z][A-Z0-9_]+)\b/g)].map((m) => m[1])));
  const missing = new Set<string>();
  for (const [f, t] of text) {
    for (const m of t.matchAll(/\b(?:SLMLAB|BENCH|HF|FOUNDRY)_[A-Z0-9_]+\b/g)) {
      if (!NAMES.has(m[0]) && !constants.has(m[0])) missing.add(`${m[0]} (${f})`);
    }
  }
  assert.deepEqual([...missing], [], 'add them to ENVIRONMENT in lib/environment.ts and to docs/environment.md');
});

test('the environment is read only through envValue() (writes and deletes stay where they are)', () => {
  const reads: string[] = [];
  for (const f of FILES) {
    fs.readFileSync(path.join(ROOT, f), 'utf8').split('\n').forEach((line, i) => {
      if (/^\s*(\*|\/\/|\/\*)/.test(line)) return;
      for (const m of line.matchAll(/(?<![\w.])(delete\s+)?(?:process\.env|env|base)\??\.([A-Z][A-Z0-9_]+)\b(\s*=(?!=))?/g)) {
        if (!m[1] && !m[3] && NAMES.has(m[2])) reads.push(`${f}:${i + 1}: ${m[0]}`);
      }
    });
  }
  assert.deepEqual(reads, [], 'read them with envValue(NAME, env) from lib/environment.ts');
});

test('docs/environment.md describes every variable in the table', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'environment.md'), 'utf8');
  assert.deepEqual(ENVIRONMENT.filter((v) => !doc.includes(`\`${v.name}\``)).map((v) => v.name), []);
});

test('envValue returns the raw value, undefined when unset', () => {
  assert.equal(envValue('SLMLAB_PORT', { SLMLAB_PORT: ' 80 ' }), ' 80 ');
  assert.equal(envValue('SLMLAB_PORT', {}), undefined);
  assert.equal(envValue('SLMLAB_PORT', { SLMLAB_PORT: '' }), '');
});
