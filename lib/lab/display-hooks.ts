/**
 * Display hooks for a tslab kernel. tslab shows a cell's last value with `console.log(value)`
 * and a thrown error with `console.error(error)`, both through util.inspect, which calls a
 * value's `[util.inspect.custom]` (tslab/dist/executor.js; its console is bound at start-up, so
 * console itself cannot be wrapped). Inside a kernel only:
 *   - a nodejs-polars DataFrame left as a cell's last value renders as show()'s HTML table.
 *     Polars frames are Proxies over a fresh object literal (no shared prototype), made by the
 *     module-level factory `_DataFrame` of nodejs-polars/bin/dataframe.js, which every polars
 *     function calls through its exports object; the hook wraps that factory so each new frame
 *     gets its own `[util.inspect.custom]`. Frames made before the hook keep the box text.
 *   - a danfojs DataFrame likewise, by patching its class prototype once one is seen
 *     (hookDanfoClass, called by show() and toDanfo()).
 *   - an slmlab error prints as one line (name, code, message: the message names the fix).
 * The inspect text of a hooked frame is empty (its table is the display), and the newline console.log
 * adds after it is dropped (no empty stdout line under the table). Outside a kernel
 * nothing is patched. installDisplayHooks() runs when `slmlab/notebook` is imported; idempotent.
 */
import * as util from 'node:util';
import { SlmlabError } from '../errors';
import { sendBundle, tslabWriter } from './display';
import { oneLine } from './one-line';
import { tableBundle } from './show';

const PATCHED = Symbol.for('slmlab.displayHook');

type Obj = Record<PropertyKey, unknown>;

/**
 * tslab prints a cell's last value with console.log(value); a frame's inspect text is empty (its
 * table was sent), so console.log would still write a lone "\n" — an empty stdout line under the
 * table. The kernel's process.stdout.write (tslab sets it per execution, tslab/dist/jupyter.js) is
 * wrapped for exactly the next write: a lone "\n" is dropped, anything else goes through.
 */
function dropNextNewline(): void {
  const out = process.stdout as unknown as { write: (chunk: unknown, ...rest: unknown[]) => boolean };
  const current = out.write;
  out.write = function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
    out.write = current;
    if (chunk === '\n') return true;
    return current.call(this, chunk, ...rest);
  };
}

/** The inspect hook: in a kernel, send the table and print nothing; else the original text. */
function tableInspect(original: ((this: unknown, ...a: unknown[]) => unknown) | undefined) {
  return function (this: unknown, ...args: unknown[]): unknown {
    const b = tslabWriter() ? tableBundle(this) : null;
    if (b) { sendBundle(b); dropNextNewline(); return ''; }
    return original ? original.apply(this, args) : '[DataFrame]';
  };
}

function hookPolarsFactory(): void {
  let file: string;
  try { file = require.resolve('nodejs-polars/bin/dataframe.js'); } catch { return; }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require(file) as Obj;
  const factory = mod._DataFrame as ((...a: unknown[]) => Obj) & { [PATCHED]?: boolean };
  if (typeof factory !== 'function' || factory[PATCHED]) return;
  const wrapped = function (this: unknown, ...a: unknown[]): Obj {
    const frame = factory.apply(this, a);
    try {
      const original = frame[util.inspect.custom] as ((this: unknown, ...x: unknown[]) => unknown) | undefined;
      frame[util.inspect.custom] = tableInspect(original);
    } catch { /* a polars version whose frames refuse the property: keep its text */ }
    return frame;
  } as typeof factory;
  wrapped[PATCHED] = true;
  mod._DataFrame = wrapped;
}

/** Teach the kernel to show frames of this danfo frame's class as tables. */
export function hookDanfoClass(frame: object): void {
  if (!tslabWriter()) return;
  const proto = Object.getPrototypeOf(frame) as Obj | null;
  if (!proto || proto === Object.prototype || Object.prototype.hasOwnProperty.call(proto, PATCHED)) return;
  Object.defineProperty(proto, util.inspect.custom, { value: tableInspect(undefined), configurable: true, writable: true });
  Object.defineProperty(proto, PATCHED, { value: true });
}

/** Returns whether hooks are active (true inside a tslab kernel). */
export function installDisplayHooks(): boolean {
  if (!tslabWriter()) return false;
  hookPolarsFactory();
  const proto = SlmlabError.prototype as unknown as Obj;
  if (!Object.prototype.hasOwnProperty.call(proto, util.inspect.custom)) {
    Object.defineProperty(proto, util.inspect.custom, {
      value: function (this: unknown): string { return oneLine(this); }, configurable: true, writable: true,
    });
  }
  return true;
}
