/**
 * A full garbage collection of this thread's heap, for benchmarks that run one system after
 * another: collecting between measurements keeps one system's garbage from being collected
 * during the next one's run. Uses --expose-gc when given, else turns the flag on at run time;
 * a no-op where neither works.
 */
export const collectGarbage: () => void = (() => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--expose-gc');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('node:vm') as typeof import('node:vm')).runInNewContext('gc') as () => void;
  } catch {
    return () => { /* not available */ };
  }
})();
