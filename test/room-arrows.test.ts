/**
 * No loops between lib/'s rooms (issue 19): a room (a folder directly under lib/) may import a
 * room below it, never one that imports it back. Read from the relative import specifiers of
 * every .ts file (`import … from`, `export … from`, `import()`, `require()`, type-only imports
 * included); lib/'s top-level files (errors.ts, environment.ts, index.ts…) are no room.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const LIB = path.resolve(__dirname, '..', '..', 'lib');

/**
 * Two-way arrows allowed to remain: none. Kept as a list so that, should one ever have to be
 * tolerated for a while, it is named here; the test fails once a listed one is gone, so the
 * list only shrinks.
 */
const KNOWN: readonly string[] = [];

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]*)['"]/g;

/** room -> room -> the importing files, from every .ts file under `lib`. */
function roomImports(lib: string): Map<string, Map<string, string[]>> {
  const arrows = new Map<string, Map<string, string[]>>();
  for (const e of fs.readdirSync(lib, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.ts')) continue;
    const file = path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    const room = path.relative(lib, file).split(path.sep);
    if (room.length < 2) continue;
    // Comments may quote an import; only code counts.
    const code = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of code.matchAll(SPECIFIER)) {
      const target = path.relative(lib, path.resolve(path.dirname(file), m[1])).split(path.sep);
      if (target.length < 2 || target[0] === '..' || target[0] === room[0]) continue;
      const from = arrows.get(room[0]) ?? new Map<string, string[]>();
      arrows.set(room[0], from);
      from.set(target[0], [...(from.get(target[0]) ?? []), path.relative(lib, file)]);
    }
  }
  return arrows;
}

/** 'a <-> b' (a before b) for every pair of rooms that import each other, with the files on both sides. */
function twoWayArrows(lib: string): Map<string, string[]> {
  const arrows = roomImports(lib);
  const out = new Map<string, string[]>();
  for (const [a, targets] of arrows) {
    for (const [b, files] of targets) {
      const back = arrows.get(b)?.get(a);
      if (a < b && back) out.set(`${a} <-> ${b}`, [...files.map((f) => `${f} -> ${b}`), ...back.map((f) => `${f} -> ${a}`)]);
    }
  }
  return out;
}

test('no lib/ room imports a room that imports it back (two-way room arrows: none but the known ones)', () => {
  const found = twoWayArrows(LIB);
  const fresh = [...found].filter(([k]) => !KNOWN.includes(k)).map(([k, files]) => `${k}: ${[...new Set(files)].join(', ')}`);
  assert.deepEqual(fresh, [], 'a lower room must not import a higher one: move the shared part below both, or hand it down from above (docs/library.md, "Rooms")');
  const gone = KNOWN.filter((k) => !found.has(k));
  assert.deepEqual(gone, [], 'these arrows are gone: remove them from KNOWN in test/room-arrows.test.ts');
});

test('the arrow reader sees every kind of relative import, and not those in comments', () => {
  const lib = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-rooms-'));
  try {
    const write = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(lib, rel)), { recursive: true });
      fs.writeFileSync(path.join(lib, rel), text);
    };
    write('low/a.ts', "import type { B } from '../high/b';\nexport const a = 1;\n");
    write('high/b.ts', "export { a } from '../low/a';\nexport type B = number;\n");
    write('side/c.ts', "// import { a } from '../low/a';\n/* from '../high/b' */\nconst d = () => import('../deep/x/d');\n");
    write('deep/x/d.ts', "const c = require('../../side/c');\n");
    write('top.ts', "import { a } from './low/a';\n");
    assert.deepEqual([...twoWayArrows(lib).keys()].sort(), ['deep <-> side', 'high <-> low']);
    assert.deepEqual([...(roomImports(lib).get('side')?.keys() ?? [])], ['deep']);
  } finally {
    fs.rmSync(lib, { recursive: true, force: true });
  }
});
