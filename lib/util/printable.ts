/**
 * Text from outside (an endpoint's error message, a model id it lists, a file's contents) is
 * printed only through printable() (issue 21: terminal escape codes in an endpoint's error were
 * printed raw, so an endpoint could rewrite the user's terminal). Control characters (C0, DEL,
 * C1), and the Unicode ones that reorder or hide text (bidi overrides and isolates, line and
 * paragraph separators, zero-width joiners are left alone), become visible escapes: ESC is
 * shown as \x1b, U+202E as \u202e. Newlines and tabs too: a printed message stays one line.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Whether printable() would change `text`. */
export function hasUnsafeCharacters(text: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return found;
}
