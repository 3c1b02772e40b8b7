/**
 * A small argv walker for scripts that have no commander (benchmarks, the service's entry
 * point): accepts `--flag value` and `--flag=value`, and hands each flag to `onFlag` with a
 * `value()` that consumes the next argument. Errors go through `fail`, which must not return.
 */
export function walkArgs(argv: readonly string[], onFlag: (flag: string, value: () => string, raw: string) => void, fail: (msg: string) => never): void {
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) fail(`${flag} needs a value`);
      return v;
    };
    onFlag(flag, value, raw);
  }
}

/** Parses an integer option value >= min, or fails with a message naming the option. */
export function intArg(name: string, v: string | undefined, min: number, fail: (msg: string) => never): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isInteger(n) || n < min) fail(`${name} needs an integer >= ${min}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
  return n;
}
