#!/usr/bin/env node
// Runs after `npm install`. npm sometimes skips a platform's optional native package
// (npm/cli#4828), which leaves nodejs-polars unloadable. Detect that, install the missing
// package from the npm registry once, and say how to fix anything still broken, instead
// of failing later with an obscure stack trace.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

/** Loads `name` in a fresh Node process (this one caches failed module lookups); returns the error or null. */
function loads(name) {
  try {
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(name)})`], { cwd: path.resolve(__dirname, '..'), stdio: ['ignore', 'ignore', 'pipe'] });
    return null;
  } catch (e) {
    const err = String(e.stderr || e.message).split('\n').find((l) => /^\w*Error:/.test(l.trim())) || 'failed to load';
    return err.trim();
  }
}

function polarsNativePackage() {
  const version = require('nodejs-polars/package.json').version;
  const libc = process.platform === 'linux' ? (process.report.getReport().header.glibcVersionRuntime ? '-gnu' : '-musl') : '';
  const abi = process.platform === 'win32' ? '-msvc' : libc;
  return `nodejs-polars-${process.platform}-${process.arch}${abi}@${version}`;
}

const problems = [];
let polars = loads('nodejs-polars');
if (polars) {
  const pkg = polarsNativePackage();
  console.warn(`slmlab: nodejs-polars' native package is missing (${polars}); installing ${pkg}`);
  try {
    // `npm install` would skip it again (an optional dependency whose engines field asks for a
    // newer Node is dropped silently), so fetch the tarball from the registry and unpack it.
    const fs = require('node:fs');
    const os = require('node:os');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-polars-'));
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const file = execFileSync(npm, ['pack', pkg, '--pack-destination', tmp, '--silent'], { encoding: 'utf8', shell: process.platform === 'win32' }).trim().split('\n').pop();
    execFileSync('tar', ['xzf', path.join(tmp, file), '-C', tmp]);
    const dest = path.resolve(__dirname, '..', 'node_modules', pkg.slice(0, pkg.lastIndexOf('@')));
    fs.rmSync(dest, { recursive: true, force: true });
    fs.cpSync(path.join(tmp, 'package'), dest, { recursive: true });
    fs.rmSync(tmp, { recursive: true, force: true });
    polars = loads('nodejs-polars');
    if (!polars) console.warn(`slmlab: installed ${pkg}`);
  } catch (e) {
    polars = String(e.message).split('\n')[0];
  }
  if (polars) problems.push(`nodejs-polars did not load (${polars}).\n  fix: npm pack ${pkg} and unpack it into node_modules/, or run "node scripts/check-install.cjs" again once the registry is reachable`);
}
const ort = loads('onnxruntime-node');
if (ort) problems.push(`onnxruntime-node did not load (${ort}).\n  fix: ONNXRUNTIME_NODE_INSTALL=skip npm rebuild onnxruntime-node`);
if (problems.length) console.warn('slmlab: install check found problems:\n- ' + problems.join('\n- '));
