#!/usr/bin/env node
// Runs after `npm install`: checks the native parts that npm sometimes installs half-way
// and says how to fix each, instead of failing later with an obscure stack trace.
'use strict';
const problems = [];
try { require('nodejs-polars'); } catch (e) {
  problems.push(`nodejs-polars' native package did not load (${String(e.message).split('\n')[0]}).\n` +
    `  fix: npm install --no-save nodejs-polars-${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}@0.26.1`);
}
try { require('onnxruntime-node'); } catch (e) {
  problems.push(`onnxruntime-node did not load (${String(e.message).split('\n')[0]}).\n  fix: npm rebuild onnxruntime-node`);
}
if (problems.length) {
  console.warn('slmlab: install check found problems:\n- ' + problems.join('\n- '));
}
