/**
 * lib/util/argv.ts, the one argv parser of the scripts without commander: typed values from a
 * declared table, checked numbers and choices, --help made from the same table; and a guard
 * that every script in scripts/bench, scripts/notebooks and scripts/device reads its arguments
 * through it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { argsHelp, parseScriptArgs } from '../lib/util/argv';
import { UsageError } from '../lib/errors';

const SPEC = {
  name: 'demo',
  usage: 'demo [options] FOLDER',
  positionals: [{ name: 'FOLDER', help: 'a folder' }, { name: 'N', help: 'a count', optional: true, min: 1 }],
  options: {
    rounds: { type: 'int', min: 1, default: 5, help: 'measured rounds' },
    offset: { type: 'int', help: 'may be negative' },
    ratio: { type: 'number', min: 0, help: 'a ratio' },
    shape: { type: 'string', choices: ['tiny', 'big'], default: 'tiny', help: 'the shape' },
    streams: { type: 'ints', min: 1, default: [1, 2], help: 'streams' },
    parts: { type: 'list', choices: ['a', 'b', 'c'], help: 'parts' },
    param: { type: 'repeat', value: 'NAME=VALUE', help: 'a parameter' },
    json: { type: 'flag', help: 'JSON out' },
  },
} as const;

test('values are typed, defaulted and checked; --flag=value, negatives and repeats work', () => {
  const a = parseScriptArgs(SPEC, ['dir', '--rounds=7', '--offset', '-3', '--ratio', '0.5', '--streams', '4,8', '--parts', 'a,c', '--param', 'x=1', '--param', 'y=2', '--json', '3']);
  assert.deepEqual(a.values, { rounds: 7, offset: -3, ratio: 0.5, shape: 'tiny', streams: [4, 8], parts: ['a', 'c'], param: ['x=1', 'y=2'], json: true });
  assert.deepEqual(a.positionals, ['dir', '3']);
  assert.equal(a.help, false);
  const d = parseScriptArgs(SPEC, ['dir']);
  assert.deepEqual(d.values, { rounds: 5, offset: undefined, ratio: undefined, shape: 'tiny', streams: [1, 2], parts: undefined, param: [], json: false });
  assert.equal(parseScriptArgs(SPEC, ['-h']).help, true, '--help needs no positional');
});

test('bad input is a UsageError naming the option and the fix', () => {
  const fails = (argv: string[], message: RegExp) => assert.throws(() => parseScriptArgs(SPEC, argv), (e: unknown) => e instanceof UsageError && message.test(e.message));
  fails(['dir', '--rounds', '0'], /--rounds needs an integer >= 1, got "0"/);
  fails(['dir', '--rounds', '2.5'], /--rounds needs an integer/);
  fails(['dir', '--shape', 'huge'], /--shape is one of tiny, big/);
  fails(['dir', '--streams', '1,x'], /--streams needs an integer >= 1, got "x"/);
  fails(['dir', '--parts', 'a,z'], /--parts: unknown z: choose from a, b, c/);
  fails(['dir', '--ratio', '-1'], /--ratio needs a number >= 0/);
  fails(['dir', '--bogus'], /unknown option '--bogus' \(see --help\)/);
  fails(['dir', '--rounds'], /--rounds needs a value/);
  fails(['dir', '--json=yes'], /--json takes no value/);
  fails([], /FOLDER is required/);
  fails(['dir', '0'], /N needs an integer >= 1/);
  fails(['dir', '1', 'extra'], /unexpected argument 'extra'/);
});

test('--help lists every option and positional with its default, from the same table', () => {
  const help = argsHelp(SPEC);
  assert.match(help, /^Usage: demo \[options\] FOLDER/);
  for (const name of Object.keys(SPEC.options)) assert.match(help, new RegExp(`--${name}\\b`));
  assert.match(help, /--rounds N\s+measured rounds \(default 5\)/);
  assert.match(help, /--streams N,N,…\s+streams \(default 1,2\)/);
  assert.match(help, /--param NAME=VALUE\s+a parameter \(repeatable\)/);
  assert.match(help, /\[N\]\s+a count/);
  assert.match(help, /-h, --help/);
});

test('every script in scripts/bench, scripts/notebooks and scripts/device reads argv through lib/util/argv.ts', () => {
  const root = path.resolve(__dirname, '..', '..');
  const offenders: string[] = [];
  for (const dir of ['scripts/bench', 'scripts/notebooks', 'scripts/device']) {
    for (const f of fs.readdirSync(path.join(root, dir)).filter((n) => n.endsWith('.ts'))) {
      const text = fs.readFileSync(path.join(root, dir, f), 'utf8');
      const reads = /process\.argv|from 'node:util'[^\n]*parseArgs|import \{[^}]*\bparseArgs\b[^}]*\} from 'node:util'/.test(text);
      if (reads && !/from '\.\.\/\.\.\/lib\/util\/argv'/.test(text)) offenders.push(`${dir}/${f}`);
      if (/process\.argv\.(indexOf|includes|find)\(/.test(text)) offenders.push(`${dir}/${f} (searches process.argv by hand)`);
    }
  }
  assert.deepEqual(offenders, [], 'declare the options in a table and parse them with scriptArgs() (lib/util/argv.ts)');
});
