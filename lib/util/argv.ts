/**
 * The one argv parser for programs that have no commander (the benchmarks in scripts/bench/,
 * the notebook runners in scripts/notebooks/, scripts/device/, the service process): each
 * declares its options once, as a table, and gets typed values, checked numbers, `--help` text
 * made from the same table, and one-line usage errors. node:util's parseArgs reads the command
 * line underneath (`--flag value`, `--flag=value`, `-h`, `--` before positionals).
 *
 *   const { values, positionals } = scriptArgs({
 *     name: 'bench-engine', usage: 'node dist/scripts/bench/engine.js [options]',
 *     options: { rounds: { type: 'int', min: 1, default: 5, help: 'measured rounds' } },
 *   });
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors';

interface Common {
  /** One line for --help. */
  help: string;
  /** The value's name in --help (default N for numbers, VALUE otherwise). */
  value?: string;
}
/** A value-less switch: true when given. */
export interface FlagOption extends Common { type: 'flag'; short?: string }
export interface StringOption extends Common { type: 'string'; default?: string; choices?: readonly string[]; short?: string }
export interface IntOption extends Common { type: 'int'; default?: number; min?: number; max?: number }
/** Floating-point number. */
export interface NumberOption extends Common { type: 'number'; default?: number; min?: number }
/** A comma-separated list of strings (`--parts a,b`). */
export interface ListOption extends Common { type: 'list'; default?: readonly string[]; choices?: readonly string[] }
/** A comma-separated list of integers (`--streams 1,2,4`). */
export interface IntListOption extends Common { type: 'ints'; default?: readonly number[]; min?: number }
/** A string option that may be given several times (`--param a=1 --param b=2`). */
export interface RepeatOption extends Common { type: 'repeat' }

export type OptionSpec = FlagOption | StringOption | IntOption | NumberOption | ListOption | IntListOption | RepeatOption;

export interface PositionalSpec { name: string; help: string; optional?: boolean; choices?: readonly string[]; min?: number }

export interface ScriptSpec<O extends Record<string, OptionSpec>> {
  /** The program's name, prefixed to its errors (`bench-engine: …`). */
  name: string;
  /** The synopsis after "Usage: ", e.g. `node dist/scripts/bench/engine.js [options]`. */
  usage: string;
  /** What the program does, a line or two for --help. */
  about?: string;
  /** By long name, without the dashes. `help` (-h) is added. */
  options: O;
  /** Positional arguments, in order (none allowed when absent); `min`: an integer >= min. */
  positionals?: readonly PositionalSpec[];
}

type ValueOf<S extends OptionSpec> =
  S extends FlagOption ? boolean :
  S extends RepeatOption ? string[] :
  S extends ListOption ? (S extends { default: readonly string[] } ? string[] : string[] | undefined) :
  S extends IntListOption ? (S extends { default: readonly number[] } ? number[] : number[] | undefined) :
  S extends IntOption | NumberOption ? (S extends { default: number } ? number : number | undefined) :
  S extends StringOption ? (S extends { default: string } ? string : string | undefined) : never;

export type ArgValues<O extends Record<string, OptionSpec>> = { -readonly [K in keyof O]: ValueOf<O[K]> };

export interface ParsedArgs<O extends Record<string, OptionSpec>> { values: ArgValues<O>; positionals: string[]; help: boolean }

/** The --help text: usage, about, positionals and every option with its default. */
export function argsHelp(spec: ScriptSpec<Record<string, OptionSpec>>): string {
  const rows: [string, string][] = [];
  for (const p of spec.positionals ?? []) rows.push([p.optional ? `[${p.name}]` : p.name, p.help]);
  for (const [name, o] of Object.entries(spec.options)) {
    const short = 'short' in o && o.short ? `-${o.short}, ` : '';
    const value = o.type === 'flag' ? '' : ` ${o.value ?? (o.type === 'int' || o.type === 'number' ? 'N' : o.type === 'ints' ? 'N,N,…' : o.type === 'list' ? 'A,B,…' : 'VALUE')}`;
    const choices = 'choices' in o && o.choices ? ` (${o.choices.join(', ')})` : '';
    const dflt = 'default' in o && o.default !== undefined ? ` (default ${Array.isArray(o.default) ? o.default.join(',') : String(o.default)})` : '';
    rows.push([`${short}--${name}${value}`, `${o.help}${choices}${dflt}${o.type === 'repeat' ? ' (repeatable)' : ''}`]);
  }
  rows.push(['-h, --help', 'this text']);
  const width = Math.min(32, Math.max(...rows.map(([l]) => l.length)) + 2);
  const lines = rows.map(([l, r]) => `  ${l.padEnd(width)}${l.length >= width ? `\n  ${' '.repeat(width)}` : ''}${r}`);
  return [`Usage: ${spec.usage}`, ...(spec.about ? ['', spec.about] : []), '', spec.positionals?.length ? 'Arguments and options:' : 'Options:', ...lines].join('\n');
}

function intValue(flag: string, v: string, min = -Infinity, max = Infinity): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    const range = max === Infinity ? (min === -Infinity ? 'an integer' : `an integer >= ${min}`) : `an integer from ${min} to ${max}`;
    throw new UsageError(`${flag} needs ${range}, got ${JSON.stringify(v)}`);
  }
  return n;
}

function convert(flag: string, o: OptionSpec, raw: string | boolean | string[] | undefined): unknown {
  if (o.type === 'flag') return raw === true;
  if (o.type === 'repeat') return (raw as string[] | undefined) ?? [];
  if (raw === undefined) return 'default' in o ? (Array.isArray(o.default) ? [...o.default] : o.default) : undefined;
  const v = raw as string;
  switch (o.type) {
    case 'int': return intValue(flag, v, o.min, o.max);
    case 'number': {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n) || n < (o.min ?? -Infinity)) throw new UsageError(`${flag} needs a number${o.min !== undefined ? ` >= ${o.min}` : ''}, got ${JSON.stringify(v)}`);
      return n;
    }
    case 'ints': return v.split(',').map((s) => intValue(flag, s, o.min));
    case 'list': {
      const items = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const bad = o.choices ? items.filter((s) => !o.choices!.includes(s)) : [];
      if (bad.length) throw new UsageError(`${flag}: unknown ${bad.join(', ')}: choose from ${o.choices!.join(', ')}`);
      return items;
    }
    case 'string':
      if (o.choices && !o.choices.includes(v)) throw new UsageError(`${flag} is one of ${o.choices.join(', ')}, got ${JSON.stringify(v)}`);
      return v;
  }
}

/** Parses `argv` against the table; bad input is a UsageError (exit 2) naming the option. */
export function parseScriptArgs<const O extends Record<string, OptionSpec>>(spec: ScriptSpec<O>, argv: readonly string[]): ParsedArgs<O> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = { type: o.type === 'flag' ? 'boolean' : 'string', ...(o.type === 'repeat' ? { multiple: true } : {}), ...('short' in o && o.short ? { short: o.short } : {}) };
  }
  // A negative number is a value (`--min -1`), not an option: given to parseArgs as --min=-1.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    if (a.startsWith('--') && !a.includes('=') && options[a.slice(2)]?.type === 'string' && next !== undefined && /^-\d/.test(next)) { args.push(`${a}=${next}`); i++; } else args.push(a);
  }
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const named = /'(-[^' ]+)/.exec(err.message)?.[1];
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option '${named ?? err.message}' (see --help)`);
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const what = named ?? 'an option';
      if (err.message.includes('does not take')) throw new UsageError(`${what} takes no value`);
      if (err.message.includes('ambiguous')) throw new UsageError(`${what} needs a value (one that starts with '-' is written ${what}=-…)`);
      throw new UsageError(`${what} needs a value`);
    }
    throw new UsageError(err.message);
  }
  const help = parsed.values.help === true;
  const values: Record<string, unknown> = {};
  const allowed = spec.positionals ?? [];
  if (!help) {
    for (const [name, o] of Object.entries(spec.options)) values[name] = convert(`--${name}`, o, parsed.values[name] as string | boolean | string[] | undefined);
    if (parsed.positionals.length > allowed.length) throw new UsageError(`unexpected argument '${parsed.positionals[allowed.length]}' (see --help)`);
    const missing = allowed.slice(parsed.positionals.length).find((p) => !p.optional);
    if (missing) throw new UsageError(`${missing.name} is required (see --help)`);
    allowed.forEach((p, i) => {
      const v = parsed.positionals[i];
      if (v === undefined) return;
      if (p.choices && !p.choices.includes(v)) throw new UsageError(`${p.name} is one of ${p.choices.join(', ')}, got ${JSON.stringify(v)}`);
      if (p.min !== undefined) intValue(p.name, v, p.min);
    });
  }
  return { values: values as ArgValues<O>, positionals: parsed.positionals, help };
}

/**
 * For a program's main: parses process.argv (or `argv`); --help prints the help and exits 0,
 * a usage error prints `<name>: <message>` and exits 2.
 */
export function scriptArgs<const O extends Record<string, OptionSpec>>(spec: ScriptSpec<O>, argv: readonly string[] = process.argv.slice(2)): { values: ArgValues<O>; positionals: string[] } {
  let parsed: ParsedArgs<O>;
  try {
    parsed = parseScriptArgs(spec, argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${spec.name}: ${e.message}\n`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(argsHelp(spec) + '\n');
    process.exit(0);
  }
  return parsed;
}
