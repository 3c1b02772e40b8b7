/**
 * The documentation agrees with the code it describes: docs/cli.md's exit-code table gives every
 * exit status the CLI uses (scripts/cli/exit-codes.ts's EXIT), and an error code it names sits in
 * the row of its own status; README.md and docs/*.md link only to files that exist; and they show
 * no paths of one particular machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT } from '../scripts/cli/exit-codes';

const ROOT = path.resolve(__dirname, '..', '..');
const DOCS = path.join(ROOT, 'docs');

/** Pages the README's table links to that other branches add; tolerated only while absent. */
const PENDING = new Set(['docs/teachers.md', 'docs/environment.md']);

function pages(): string[] {
  return ['README.md', ...fs.readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
}

/** The rows `| <status> | <meaning> |` of cli.md's exit-code table. */
function exitTable(): Map<number, string> {
  const text = fs.readFileSync(path.join(DOCS, 'cli.md'), 'utf8');
  const rows = new Map<number, string>();
  for (const line of text.split('\n')) {
    const m = /^\|\s*(\d+)\s*\|(.*)\|\s*$/.exec(line);
    if (m) rows.set(Number(m[1]), m[2]);
  }
  return rows;
}

test('docs/cli.md lists every exit status the CLI uses, each error code it names in its own row', () => {
  const rows = exitTable();
  assert.ok(rows.size >= 8, 'the exit-code table of docs/cli.md was not found');
  for (const status of new Set(Object.values(EXIT))) {
    assert.ok(rows.has(status), `docs/cli.md's exit-code table has no row for ${status}`);
  }
  for (const [code, status] of Object.entries(EXIT)) {
    for (const [row, meaning] of rows) {
      if (meaning.includes(`\`${code}\``)) {
        assert.equal(row, status, `docs/cli.md puts \`${code}\` under exit ${row}; scripts/cli/exit-codes.ts says ${status}`);
      }
    }
  }
  for (const code of ['load_worker_failed', 'results_locked', 'model_unavailable']) {
    const row = rows.get(EXIT[code as keyof typeof EXIT]) ?? '';
    assert.ok(row.includes(`\`${code}\``), `docs/cli.md's row for exit ${EXIT[code as keyof typeof EXIT]} does not name \`${code}\``);
  }
});

test('README.md and docs/*.md link only to files that exist', () => {
  const broken: string[] = [];
  for (const page of pages()) {
    const text = fs.readFileSync(path.join(ROOT, page), 'utf8');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1].split('#')[0];
      if (target === '' || /^[a-z]+:/i.test(target)) continue;   // an anchor on the page, or a URL
      const resolved = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, page)), target));
      if (fs.existsSync(path.join(ROOT, resolved))) continue;
      if (PENDING.has(resolved.split(path.sep).join('/'))) continue;
      broken.push(`${page}: ${m[1]}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('README.md and docs/*.md show no paths of a particular machine', () => {
  const found: string[] = [];
  for (const page of pages()) {
    fs.readFileSync(path.join(ROOT, page), 'utf8').split('\n').forEach((line, i) => {
      if (/(^|[\s`'"(=])\/(work|root|home\/[a-z_][\w-]*)\//.test(line)) found.push(`${page}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});
