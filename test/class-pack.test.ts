/**
 * The class pack: `cache pack` writes a cache's tiny twin with its record and SHA-256s into a tar
 * (node-tar); `cache unpack` installs it into an empty cache offline, skips it when already there,
 * resumes after a cut copy (files already checked are kept), and refuses damaged bytes, links,
 * entries the manifest does not list (paths outside the cache) and tars that are not packs,
 * installing nothing. Real files, real tars, the `tiny` model built by lib/synth.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tar from 'tar';
import { buildModel } from '../lib/cache/build-model';
import { cachedFolderFor, listCache } from '../lib/cache';
import { findModel, loadCatalog } from '../lib/catalog';
import { packModels, unpackModels, PackError, MANIFEST_NAME, STAGING } from '../lib/cache/pack';
import { ChecksumError } from '../lib/errors';
import { makeTempDir, removeTempDir, sha256 } from './helpers/models';

let root: string;
let teacher: string;
let pack: string;
const MODEL = 'synthetic/tiny-int4-b32';

before(async () => {
  root = makeTempDir();
  teacher = path.join(root, 'teacher');
  await buildModel({ shape: 'tiny', precision: 'int4', out: path.join(teacher, MODEL) });
  pack = path.join(root, 'class.tar');
  await packModels(['tiny'], { cacheDir: teacher, out: pack });
});
after(() => removeTempDir(root));

const cache = (name: string) => path.join(root, name);
const installedFiles = (c: string) => fs.existsSync(path.join(c, MODEL)) ? fs.readdirSync(path.join(c, MODEL)).sort() : [];

test('pack: the tar holds the manifest first, then the twin\'s files with its build record; an alias picks its cached variants', async () => {
  const names: string[] = [];
  await tar.t({ file: pack, onReadEntry: (e) => names.push(e.path) });
  assert.equal(names[0], MANIFEST_NAME);
  assert.ok(names.includes(`${MODEL}/.slmlab-build.json`) && names.includes(`${MODEL}/model.onnx_data`));
  await assert.rejects(packModels(['tiny'], { cacheDir: teacher, out: pack }), /already exists: .*--force/);
  await assert.rejects(packModels(['qwen2.5-1.5b-twin'], { cacheDir: teacher, out: cache('x.tar') }), (e) => e instanceof PackError && /not complete in the cache/.test(e.message));
});

test('unpack: installs into an empty cache, byte for byte, runnable; a second unpack skips it', async () => {
  const student = cache('student');
  const r = await unpackModels(pack, { cacheDir: student });
  assert.deepEqual(r.installed, ['tiny-int4-b32']);
  for (const f of fs.readdirSync(path.join(teacher, MODEL))) assert.equal(sha256(path.join(student, MODEL, f)), sha256(path.join(teacher, MODEL, f)), f);
  const tiny = findModel(loadCatalog(), 'tiny').variants.find((v) => v.source.kind === 'synthetic' && v.source.precision === 'int4')!;
  assert.equal(cachedFolderFor(tiny, { cacheDir: student }), path.join(student, MODEL), 'the cache sees a complete twin');
  assert.equal(listCache({ cacheDir: student, foundryDir: null, modelDirs: [] })[0].damaged, null);
  assert.ok(!fs.existsSync(path.join(student, STAGING)), 'no staging left');
  const again = await unpackModels(pack, { cacheDir: student });
  assert.deepEqual([again.installed, again.alreadyInstalled, again.writtenBytes], [[], ['tiny-int4-b32'], 0]);
});

test('unpack resumes a cut copy: nothing installed from it, then the whole pack keeps the files already checked', async () => {
  const student = cache('resume');
  const cut = cache('cut.tar');
  const full = fs.readFileSync(pack);
  // Cut inside model.onnx_data (the largest file): the files before it arrive whole.
  const names: Array<{ path: string; size: number }> = [];
  await tar.t({ file: pack, onReadEntry: (e) => names.push({ path: e.path, size: e.size ?? 0 }) });
  fs.writeFileSync(cut, full.subarray(0, Math.floor(full.length * 0.6)));
  await assert.rejects(unpackModels(cut, { cacheDir: student }), (e) => (e instanceof PackError || e instanceof ChecksumError) && /damaged|truncated/.test(e.message));
  assert.deepEqual(installedFiles(student), [], 'a cut pack installs nothing');
  const kept: string[] = [];
  const r = await unpackModels(pack, { cacheDir: student, onFile: (f, _s, k) => { if (k) kept.push(f); } });
  assert.deepEqual(r.installed, ['tiny-int4-b32']);
  assert.ok(kept.length > 0, `files staged by the cut run are kept (entries: ${names.map((n) => n.path).join(', ')})`);
  assert.ok(r.writtenBytes < r.modelBytes);
});

test('unpack refuses damaged bytes, links, unlisted paths and foreign tars, installing nothing', async () => {
  // Damaged: one byte of the weights flipped (same size, wrong SHA-256).
  const bad = Buffer.from(fs.readFileSync(pack));
  const at = bad.indexOf(Buffer.from(`${MODEL}/model.onnx_data`)); // its header (the manifest names files without the folder)
  assert.ok(at > 0);
  const dataStart = Math.ceil((at + 1) / 512) * 512 + 4096; // inside the entry's data
  bad[dataStart] ^= 0xff;
  fs.writeFileSync(cache('bad.tar'), bad);
  await assert.rejects(unpackModels(cache('bad.tar'), { cacheDir: cache('s1') }), (e) => e instanceof ChecksumError && /SHA-256/.test(e.message));
  assert.deepEqual(installedFiles(cache('s1')), []);

  // A link where the manifest lists a file; a path the manifest does not list (outside the cache).
  const work = cache('craft');
  fs.mkdirSync(path.join(work, MODEL), { recursive: true });
  await tar.x({ file: pack, cwd: work, filter: (p) => p === MANIFEST_NAME });
  fs.symlinkSync('/etc/passwd', path.join(work, MODEL, 'config.json'));
  await tar.c({ file: cache('link.tar'), cwd: work }, [MANIFEST_NAME, `${MODEL}/config.json`]);
  await assert.rejects(unpackModels(cache('link.tar'), { cacheDir: cache('s2') }), (e) => e instanceof PackError && /SymbolicLink.*links are refused/.test(e.message));
  fs.writeFileSync(path.join(work, 'escape.txt'), 'x');
  await tar.c({ file: cache('foreign.tar'), cwd: work, prefix: '../../' }, ['escape.txt']);
  fs.writeFileSync(cache('unlisted.tar'), Buffer.concat([await tarBytes(work, [MANIFEST_NAME]), fs.readFileSync(cache('foreign.tar'))]));
  await assert.rejects(unpackModels(cache('unlisted.tar'), { cacheDir: cache('s3') }), (e) => e instanceof PackError && /does not list/.test(e.message));
  assert.ok(!fs.existsSync(path.join(root, 'escape.txt')) && !fs.existsSync(path.join(path.dirname(root), 'escape.txt')));

  // Not a pack: a tar without the manifest first; a file that is not a tar.
  await assert.rejects(unpackModels(cache('foreign.tar'), { cacheDir: cache('s4') }), (e) => e instanceof PackError && /not a slmlab class pack/.test(e.message));
  fs.writeFileSync(cache('text.tar'), 'hello, not a tar\n'.repeat(100));
  await assert.rejects(unpackModels(cache('text.tar'), { cacheDir: cache('s5') }), PackError);
  for (const s of ['s2', 's3', 's4', 's5']) assert.deepEqual(installedFiles(cache(s)), [], s);
});

/** A tar of `files` under `cwd`, without its end-of-archive blocks (to append another tar's entries). */
async function tarBytes(cwd: string, files: string[]): Promise<Buffer> {
  const f = path.join(cwd, '..', `part-${files.length}.tar`);
  await tar.c({ file: f, cwd }, files);
  const b = fs.readFileSync(f);
  let end = b.length;
  while (end >= 512 && b.subarray(end - 512, end).every((x) => x === 0)) end -= 512;
  return b.subarray(0, end);
}
